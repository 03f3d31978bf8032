"""Demo data of appeals: Dongguan's catalogue (19 categories, 160+ items),
the responsibility list for the demo units, 2026 holidays, and appeals in
every state reachable by intake, dispatch and unit work.

Re-runnable: rows are looked up by natural key; appeals by their
idempotency key, so a second run changes nothing.

Over 400 lines on purpose: about a hundred are the catalogue and the demo
units' responsibilities as data, and the seeding steps read top to bottom in
the order ``seed`` runs them, each through the product's own services; the
bulk year of history is generated in demo/appeals_history.py.
"""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image, ImageDraw

from appeals import services
from appeals.enums import AppealState, DeadlineUnit, HolidayKind, Moderation, Urgency
from appeals.models import Appeal, Area, Category, Holiday, Item, OnlineClue, Responsibility
from demo import portal as portal_demo
from portal.models import Unit, User

U, G = Urgency.URGENT, Urgency.GENERAL
H, W = DeadlineUnit.HOURS, DeadlineUnit.WORKING_DAYS
TOWN_LEVEL = "town"

# code, name, routing (TOWN_LEVEL or the city unit), co-handlers, items.
# An item is "name" (general, 5 working days) or (name, urgency, value, unit[, publishable]).
CATALOGUE = [
    ("CG", "城市管理", TOWN_LEVEL, [], [
        "占道经营", "流动摊贩", "店外经营", "违规户外广告", "违法搭建", "共享单车乱停放",
        ("建筑垃圾乱倒", G, 3, W), "违规停车占用人行道", "沿街晾晒", "违规张贴小广告", ("路灯损坏", G, 3, W),
    ]),
    ("HW", "市容环卫", TOWN_LEVEL, [], [
        ("垃圾清运不及时", G, 24, H), "道路清扫不干净", "公厕脏乱", "垃圾桶破损", "垃圾分类投放点",
        "卫生死角", "绿化带垃圾", "死禽死畜处理",
    ]),
    ("ZS", "噪音扰民", TOWN_LEVEL, ["东莞市生态环境局"], [
        ("夜间施工噪音", U, 24, H), "商铺高音喇叭", "广场舞噪音", "工厂设备噪音", "娱乐场所噪音",
        "装修噪音", "车辆改装噪音",
    ]),
    ("JS", "住房和物业", TOWN_LEVEL, [], [
        "物业服务纠纷", ("小区电梯故障", U, 24, H), "住宅专项维修资金", "房屋质量问题", "违规装修",
        "老旧小区改造", ("建筑工地扬尘", G, 3, W), ("工地安全隐患", U, 24, H), "房屋租赁纠纷", "商品房交付",
    ]),
    ("JT", "交通出行", "东莞市交通运输局", [], [
        "公交线路调整", "公交站台设施", "出租车拒载", "网约车服务", ("道路破损坑洼", G, 3, W),
        ("交通信号灯故障", U, 24, H), "停车收费", "货车违规通行", "驾校培训", "客运站服务",
    ]),
    ("SW", "供水排水", "东莞市水务局", [], [
        ("停水", U, 4, H), ("水压不足", G, 2, W), ("水质异常", U, 12, H), ("井盖缺失破损", U, 24, H),
        "下水道堵塞", ("道路积水", U, 24, H), "污水外溢", "河涌黑臭", "水费争议",
    ]),
    ("HJ", "生态环境", "东莞市生态环境局", [], [
        "工业废气", ("废水偷排", U, 24, H), "餐饮油烟扰民", "露天焚烧", "异味扰民", ("危险废物倾倒", U, 24, H),
        "扬尘污染", "辐射污染", "环评审批",
    ]),
    ("SC", "市场监管", "东莞市市场监督管理局", [], [
        ("食品安全", U, 2, W), "价格欺诈", "虚假广告", "无证无照经营", "计量不准", "商品质量",
        "预付卡退费", "网购纠纷", ("特种设备安全", U, 24, H), "药品安全",
    ]),
    ("RS", "劳动和社会保障", "东莞市人力资源和社会保障局", [], [
        ("拖欠工资", U, 3, W), "劳动合同纠纷", "社保缴费", "养老金领取", "失业保险金", "工伤认定",
        "职业技能补贴", "招聘欺诈", "人才入户",
    ]),
    ("JY", "教育", "东莞市教育局", [], [
        "学位申请", "积分入学", "校外培训机构", ("校园安全", U, 2, W), ("校车安全", U, 24, H), "学校收费",
        "幼儿园管理", "课后服务", "师德师风",
    ]),
    ("WS", "卫生健康", "东莞市卫生健康局", [], [
        "医疗服务投诉", "就医排队", "疫苗接种", "医德医风", ("非法行医", U, 3, W), "母婴健康服务",
        "健康证办理", "职业病防治",
    ]),
    ("YB", "医疗保障", "东莞市医疗保障局", [], [
        "医保报销", "医保卡（电子医保凭证）", "异地就医备案", "门诊特定病种", "药品耗材价格", "定点药店服务",
    ]),
    ("GA", "公安和治安", "东莞市公安局", [], [
        "户籍办理", "居住证", "身份证办理", "交通违法处理", "电动自行车上牌", "出入境证件",
        ("治安隐患", U, 24, H), ("电信网络诈骗", U, 24, H, False), "非机动车乱行驶",
    ]),
    ("MZ", "民政和社区", "东莞市民政局", [], [
        "最低生活保障", "养老服务", "残疾人补贴", "婚姻登记", "殡葬服务", "社区服务",
        ("流浪乞讨救助", U, 24, H), "社会组织管理",
    ]),
    ("YJ", "安全生产和应急", "东莞市应急管理局", [], [
        ("消防通道堵塞", U, 24, H), ("工厂安全隐患", U, 2, W), ("危险化学品", U, 12, H), ("燃气泄漏", U, 2, H),
        ("电动车违规充电", U, 24, H), ("高空坠物隐患", U, 24, H), ("防汛隐患", U, 12, H), ("地质灾害隐患", U, 12, H),
    ]),
    ("ZR", "自然资源和规划", "东莞市自然资源局", [], [
        "违法用地", "不动产登记", "规划许可公示", "山体破坏", "征地补偿", "古树名木保护",
    ]),
    ("WL", "文化旅游体育", "东莞市文化广电旅游体育局", [], [
        "公共体育设施", "图书馆服务", "文化活动", "旅游投诉", "网吧管理", "文物保护", "游泳场所安全",
    ]),
    ("ZW", "政务服务", "东莞市政务服务数据管理局", [], [
        "办事效率", "网上办事系统", "窗口服务态度", "证照办理", "政务信息公开", "营商环境", "企业开办",
        ("数据安全和个人信息", G, 5, W, False),
    ]),
    ("SD", "水电气和通信", "东莞市供水有限公司", [], [
        ("停电", U, 4, H), "电费争议", ("燃气供应中断", U, 8, H), "通信信号差", "宽带安装", "充电桩建设",
    ]),
    ("QT", "其他", None, [], [
        ("意见建议", G, 10, W), ("表扬", G, 10, W), ("其他问题", G, 5, W),
    ]),
]

# Synonyms and common words residents search with (Item.keywords), by item name.
SYNONYMS = {
    "路灯损坏": "路灯 街灯 灯不亮 路灯不亮 路灯闪 灯坏了 照明",
    "占道经营": "摆摊 摊位 占道 乱摆卖", "流动摊贩": "摆摊 小贩 走鬼 乱摆卖", "店外经营": "出店经营 占道",
    "违规户外广告": "广告牌 招牌", "违法搭建": "违建 搭建 铁皮房 加建", "共享单车乱停放": "单车 自行车 乱停",
    "建筑垃圾乱倒": "垃圾 渣土 乱倒 偷倒", "违规停车占用人行道": "乱停车 停车 占用人行道 违停",
    "违规张贴小广告": "牛皮癣 小广告 乱贴",
    "垃圾清运不及时": "垃圾 垃圾没人收 垃圾堆 垃圾满了", "道路清扫不干净": "垃圾 卫生 扫地", "公厕脏乱": "厕所 卫生间",
    "垃圾桶破损": "垃圾 垃圾桶 垃圾箱", "垃圾分类投放点": "垃圾 垃圾分类 垃圾房", "卫生死角": "垃圾 脏乱",
    "绿化带垃圾": "垃圾 绿化", "死禽死畜处理": "死猫 死狗 死老鼠 动物尸体",
    "夜间施工噪音": "噪音 噪声 吵 施工 半夜施工", "商铺高音喇叭": "噪音 噪声 吵 喇叭 音响",
    "广场舞噪音": "噪音 噪声 吵 跳舞 音响", "工厂设备噪音": "噪音 噪声 吵 机器", "娱乐场所噪音": "噪音 噪声 吵 酒吧 KTV",
    "装修噪音": "噪音 噪声 吵 电钻", "车辆改装噪音": "噪音 噪声 炸街",
    "物业服务纠纷": "物业 物业费", "小区电梯故障": "电梯 电梯坏了 困梯", "房屋质量问题": "漏水 裂缝 墙体开裂",
    "建筑工地扬尘": "灰尘 扬尘 工地", "工地安全隐患": "工地 施工安全", "房屋租赁纠纷": "租房 押金 房东",
    "道路破损坑洼": "坑 路面破损 坑洼 烂路", "交通信号灯故障": "红绿灯 信号灯 红绿灯坏了",
    "公交站台设施": "公交站 站台 候车亭", "出租车拒载": "的士 打车",
    "停水": "没水 断水 自来水", "水压不足": "水小 水压", "水质异常": "水黄 水有味 自来水",
    "井盖缺失破损": "井盖 沙井盖 窨井 井盖丢了", "下水道堵塞": "下水道 堵 渠道 排水", "道路积水": "水浸 积水 内涝 水淹",
    "污水外溢": "污水 冒水 臭水", "河涌黑臭": "河 臭 黑臭水体",
    "工业废气": "废气 臭气 排气", "餐饮油烟扰民": "油烟 烟 饭店", "露天焚烧": "烧垃圾 焚烧 烟", "异味扰民": "臭 异味 臭味",
    "扬尘污染": "灰尘 扬尘",
    "食品安全": "变质 过期 吃坏 食物中毒", "价格欺诈": "乱收费 价格 宰客", "预付卡退费": "办卡 退卡 跑路",
    "网购纠纷": "网购 快递 退货",
    "拖欠工资": "欠薪 工资 讨薪 不发工资", "社保缴费": "社保 五险", "招聘欺诈": "招聘 中介 骗",
    "学位申请": "学位 入学 读书 上学", "积分入学": "积分 入学", "校外培训机构": "补习班 培训班 退费",
    "医疗服务投诉": "医院 医生", "医保报销": "医保 报销",
    "电信网络诈骗": "诈骗 骗子 被骗", "治安隐患": "治安 小偷 打架", "非机动车乱行驶": "电动车 逆行",
    "电动车违规充电": "电动车 充电 飞线充电", "消防通道堵塞": "消防 通道 堵",
    "燃气泄漏": "煤气 燃气 漏气 天然气", "燃气供应中断": "煤气 燃气 天然气 没气", "停电": "没电 断电 跳闸",
    "通信信号差": "信号 手机信号 没信号", "高空坠物隐患": "高空抛物 坠物",
}

# Items of these categories that name a city unit other than the category's.
ITEM_UNITS = {
    "SW-01": "东莞市供水有限公司", "SW-02": "东莞市供水有限公司", "SW-03": "东莞市供水有限公司", "SW-09": "东莞市供水有限公司",
    "JT-06": "东莞市公安局", "SD-02": "东莞市供水有限公司", "SD-03": "东莞市住房和城乡建设局",
    "SD-04": "东莞市工业和信息化局", "SD-05": "东莞市工业和信息化局", "SD-06": "东莞市住房和城乡建设局",
    "SD-01": "东莞市工业和信息化局",
}
# Co-handlers on single items (item code -> unit names).
ITEM_CO_UNITS = {
    "HW-08": ["东莞市卫生健康局"], "JS-07": ["东莞市生态环境局"], "JS-08": ["东莞市应急管理局"],
    "SW-08": ["东莞市生态环境局"], "YJ-05": ["东莞市公安局"], "SC-01": ["东莞市卫生健康局"],
}
# Town-level routing exceptions: (category, town) -> the town's own bureau.
TOWN_BUREAUS = {
    ("JS", "南城街道"): "南城街道住房和城乡建设局",
    ("CG", "大朗镇"): "大朗镇城市管理和综合执法分局",
}
# Items that always need the centre's judgement (no automatic dispatch).
MANUAL_ITEMS = {"RS-01", "GA-08", "ZR-01"}

HOLIDAYS_2026 = [
    ("2026-01-01", "元旦", "2026-01-03"), ("2026-02-15", "春节", "2026-02-23"), ("2026-04-04", "清明节", "2026-04-06"),
    ("2026-05-01", "劳动节", "2026-05-05"), ("2026-06-19", "端午节", "2026-06-21"), ("2026-09-25", "中秋节", "2026-09-27"),
    ("2026-10-01", "国庆节", "2026-10-07"),
]
WORKDAYS_2026 = [
    ("2026-01-04", "元旦调休"), ("2026-02-14", "春节调休"), ("2026-02-28", "春节调休"), ("2026-05-09", "劳动节调休"),
    ("2026-09-20", "国庆节调休"), ("2026-10-10", "国庆节调休"),
]


def _item_spec(spec):
    if isinstance(spec, str):
        return spec, G, 5, W, True
    name, urgency, value, unit, *rest = spec
    return name, urgency, value, unit, (rest[0] if rest else True)


def seed_holidays() -> None:
    for start, name, end in HOLIDAYS_2026:
        day, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
        while day <= last:
            Holiday.objects.get_or_create(date=day, defaults={"name": name, "kind": HolidayKind.HOLIDAY})
            day += dt.timedelta(days=1)
    for date, name in WORKDAYS_2026:
        Holiday.objects.get_or_create(date=dt.date.fromisoformat(date), defaults={"name": name, "kind": HolidayKind.WORKDAY})


def seed_catalogue(units: dict[str, Unit]) -> dict[str, Item]:
    areas = {}
    for position, town in enumerate(portal_demo.TOWNS, start=1):
        areas[town], _ = Area.objects.get_or_create(
            name=town, defaults={"code": f"A{position:02d}", "unit": units.get(town), "position": position}
        )
    items: dict[str, Item] = {}
    responsibility_rows = []
    for position, (code, name, routing, co_names, specs) in enumerate(CATALOGUE, start=1):
        category, _ = Category.objects.get_or_create(code=code, defaults={"name": name, "position": position})
        for number, spec in enumerate(specs, start=1):
            item_name, urgency, value, unit, publishable = _item_spec(spec)
            item_code = f"{code}-{number:02d}"
            keywords = SYNONYMS.get(item_name, "")
            item, _ = Item.objects.get_or_create(
                code=item_code,
                defaults={"category": category, "name": item_name, "default_urgency": urgency, "deadline_value": value,
                          "deadline_unit": unit, "publishable": publishable, "keywords": keywords},
            )
            if item.keywords in ("", name) and item.keywords != keywords:
                # An earlier seed stored the category's name as the item's search words.
                item.keywords = keywords
                item.save(update_fields=["keywords"])
            items[item_code] = item
            co = [units[n] for n in ITEM_CO_UNITS.get(item_code, co_names)]
            auto = item_code not in MANUAL_ITEMS
            if routing == TOWN_LEVEL:
                for town, area in areas.items():
                    primary = units[TOWN_BUREAUS.get((code, town), town)]
                    responsibility_rows.append((item, area, primary, co, auto))
            elif routing:
                responsibility_rows.append((item, None, units[ITEM_UNITS.get(item_code, routing)], co, auto))
    existing = set(Responsibility.objects.values_list("item_id", "area_id"))
    fresh = [row for row in responsibility_rows if (row[0].pk, row[1].pk if row[1] else None) not in existing]
    created = Responsibility.objects.bulk_create(
        [Responsibility(item=item, area=area, primary_unit=primary, auto_dispatch=auto) for item, area, primary, _co, auto in fresh],
        batch_size=1000,
    )
    through = Responsibility.co_units.through
    through.objects.bulk_create(
        [through(responsibility_id=r.pk, unit_id=u.pk) for r, row in zip(created, fresh) for u in row[3]], batch_size=1000
    )
    return items


def _photo(label: str, colour: tuple[int, int, int]) -> SimpleUploadedFile:
    picture = Image.new("RGB", (960, 720), colour)
    draw = ImageDraw.Draw(picture)
    draw.rectangle([80, 80, 880, 640], outline=(255, 255, 255), width=12)
    draw.text((120, 120), label, fill=(255, 255, 255))
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=80)
    return SimpleUploadedFile(f"{label}.jpg", buffer.getvalue(), content_type="image/jpeg")


def _file(resident, key, items, item_code, area, title, description, address, photos=()):
    return services.file_appeal(
        resident=resident, idempotency_key=f"demo-{key}", item_id=items[item_code].pk if item_code else None,
        area_id=area.pk, title=title, description=description, address=address,
        latitude="23.020500", longitude="113.751800", contact_name="陈女士", contact_phone="13800138000",
        publish_consent=True, photos=photos,
    )


def _part(appeal: Appeal, unit: Unit):
    return appeal.work_orders.filter(unit=unit).order_by("-pk").first()


def seed_appeals(items: dict[str, Item], units: dict[str, Unit]) -> int:
    resident = User.objects.get(email="resident@demo.minxinbang.cn")
    dispatcher = User.objects.get(email="dispatcher@demo.minxinbang.cn")
    nancheng = User.objects.get(email="nancheng@demo.minxinbang.cn")
    dalang = User.objects.get(email="dalang@demo.minxinbang.cn")
    nc_unit, dl_unit = units["南城街道住房和城乡建设局"], units["大朗镇城市管理和综合执法分局"]
    nc, dl = Area.objects.get(name="南城街道"), Area.objects.get(name="大朗镇")
    made = 0

    # 待派单: the resident was not sure of the category.
    made += _file(resident, "unsure", items, None, nc, "小区门口路灯一到晚上就闪", "鸿福路小区正门口的路灯最近一周每天晚上一直闪烁，行人和车辆都看不清，希望尽快维修。", "南城街道鸿福路88号小区正门").created

    # 已派单 (automatic): street vending in Dalang goes straight to its bureau.
    made += _file(resident, "vending", items, "CG-01", dl, "菜市场门口占道经营堵路", "每天早上7点到9点，大朗菜市场门口有很多流动摊位占用车道，早高峰经常堵车，电动车也过不去。", "大朗镇美景中路菜市场东门", [_photo("vending", (120, 90, 60))]).created

    # 办理中: a lift fault in Nancheng, accepted.
    result = _file(resident, "lift", items, "JS-02", nc, "小区3栋电梯经常停运", "3栋两台电梯这个月已经停了4次，老人上下楼很困难，物业说在等配件，请督促尽快修好。", "南城街道新基社区某花园3栋")
    if result.created:
        made += 1
        services.accept_part(actor=nancheng, work_order_id=_part(result.appeal, nc_unit).pk)

    # 已退回: sent to Dalang, which says it belongs to another town.
    result = _file(resident, "returned", items, "CG-05", dl, "违建铁皮房占用消防通道", "村口新搭了一排铁皮房，把消防通道挡住了一半，发生火灾消防车进不来。", "大朗镇与黄江镇交界处某村口")
    if result.created:
        made += 1
        services.return_part(actor=dalang, work_order_id=_part(result.appeal, dl_unit).pk,
                             reason="现场核查，地址属于黄江镇辖区，请改派黄江镇。")

    # 已答复: property dispute, replied.
    result = _file(resident, "replied", items, "JS-01", nc, "物业公司不公开公共收益", "小区电梯广告和停车费的公共收益多年没有公示，业主多次询问物业都不答复。", "南城街道某小区")
    if result.created:
        made += 1
        part = _part(result.appeal, nc_unit)
        services.accept_part(actor=nancheng, work_order_id=part.pk)
        services.reply_to_appeal(actor=nancheng, work_order_id=part.pk,
                                 body="已约谈物业公司，要求其在15日内在小区公告栏和业主群公示近三年公共收益明细，我局将跟进核查。")

    # 已办结: with a photo after.
    result = _file(resident, "resolved", items, "JS-07", nc, "工地晚上拉土车扬尘严重", "附近工地晚上拉土车进出不冲洗，路面全是泥，风一吹灰很大，窗户都不敢开。", "南城街道某工地东侧道路", [_photo("dust", (150, 140, 120))])
    if result.created:
        made += 1
        part = _part(result.appeal, nc_unit)
        services.accept_part(actor=nancheng, work_order_id=part.pk)
        services.reply_to_appeal(actor=nancheng, work_order_id=part.pk, body="已到现场检查，责令施工单位设置车辆冲洗设施，并对出入口道路洒水降尘。")
        services.resolve_appeal(actor=nancheng, work_order_id=part.pk,
                                summary="施工单位已安装洗车槽和喷淋设备，出入车辆全部冲洗，道路每日早晚各洒水一次，经复查已整改到位。",
                                photos=[_photo("after", (60, 120, 80))])

    # 超期: accepted long ago (deadline moved into the past for the demo) and escalated by the sweep.
    result = _file(resident, "overdue", items, "JS-05", nc, "楼上违规拆改承重墙", "楼上业主装修时把承重墙打掉了一部分，我家天花板出现裂缝，担心安全。", "南城街道某小区5栋")
    if result.created:
        made += 1
        part = _part(result.appeal, nc_unit)
        services.accept_part(actor=nancheng, work_order_id=part.pk)
        past = part.dispatched_at - dt.timedelta(days=10)
        type(part).objects.filter(pk=part.pk).update(dispatched_at=past, return_until=past + dt.timedelta(days=1),
                                                     due_soon_at=past + dt.timedelta(days=4), due_at=past + dt.timedelta(days=5))
        services.sweep_deadlines()

    # Extension pending.
    result = _file(resident, "extension", items, "JS-06", nc, "老旧小区加装电梯进度", "我们小区去年已经报名老旧小区改造加装电梯，到现在还没有动工，想知道进度。", "南城街道某老旧小区")
    if result.created:
        made += 1
        part = _part(result.appeal, nc_unit)
        services.accept_part(actor=nancheng, work_order_id=part.pk)
        services.request_extension(actor=nancheng, work_order_id=part.pk, extra_working_days=10,
                                   reason="需要规划、消防等多部门联合审查方案，预计还需两周。")

    # Co-handling: night construction noise (town + ecology bureau).
    made += _file(resident, "noise", items, "ZS-01", nc, "深夜施工噪音", "工地连续几天凌晨1点还在打桩，严重影响休息。", "南城街道某工地").created

    # Hotline caller and online clues (先诉后办).
    made += services.file_for_caller(
        actor=dispatcher, idempotency_key="demo-hotline-1", item_id=items["SW-01"].pk, area_id=dl.pk, urgency=None,
        title="整栋楼停水一天", description="来电人反映从早上开始整栋楼停水，没有收到任何停水通知。",
        address="大朗镇某村某巷12号", caller_name="李先生", caller_phone="0769-83312345",
    ).created
    clue, created = OnlineClue.objects.get_or_create(
        url="https://weibo.example.cn/dg/post/20261121001",
        defaults={"platform": "微博", "summary": "网友发帖称东城某路段井盖缺失多日，晚上有电动车差点掉进去。", "captured_by": dispatcher,
                  "area": Area.objects.get(name="东城街道")},
    )
    if created:
        services.verify_clue(actor=dispatcher, clue_id=clue.pk, genuine=True, note="已电话联系社区网格员，现场确认井盖缺失。")
        made += services.convert_clue(
            actor=dispatcher, clue_id=clue.pk, item_id=items["SW-04"].pk, area_id=clue.area_id, urgency=Urgency.URGENT,
            title="东城某路段井盖缺失", description=clue.summary, address="东城街道某路与某街交叉口东侧",
            contact_name="社区网格员", contact_phone="13900139000",
        ).created
    OnlineClue.objects.get_or_create(
        url="https://forum.example.cn/thread/88812",
        defaults={"platform": "本地论坛", "summary": "网友反映万江某小区附近垃圾站夏天异味很大，希望调整清运时间。",
                  "captured_by": dispatcher, "area": Area.objects.get(name="万江街道")},
    )
    # The wall shows moderated appeals; the night-noise one and the clue wait in the moderation queue.
    for appeal in Appeal.objects.filter(moderation=Moderation.PENDING, idempotency_key__startswith="demo-").exclude(
        idempotency_key="demo-noise"
    ).order_by("pk"):
        services.moderate_appeal(
            actor=dispatcher, appeal_id=appeal.pk, publish=True, title=appeal.public_title,
            description=appeal.public_description, reason="已核对，无个人信息",
        )
    return made


HISTORY_COUNT = 36_000  # about a hundred a day for a year
HISTORY_RESIDENTS = 400


def seed_history(*, count: int = HISTORY_COUNT, stdout=None) -> int:
    """A year of appeals up to today (bulk, COPY), their figures, clusters,
    "me too"s and the 最佳回复单位 award track. Skipped when already there."""
    import time

    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from appeals.services import clusters as cluster_services
    from appeals.services import stats as stats_services
    from demo import appeals_history as history
    from portal.timeutils import local_day

    if Appeal.objects.filter(idempotency_key__startswith="hist-DG-").exists():
        return 0
    began = time.monotonic()
    password = make_password(None)
    emails = [f"hist-resident-{n:03d}@demo.minxinbang.cn" for n in range(HISTORY_RESIDENTS)]
    User.objects.bulk_create(
        [User(email=e, display_name=f"市民{n:03d}", password=password) for n, e in enumerate(emails)], ignore_conflicts=True
    )
    residents = list(User.objects.filter(email__in=emails).values_list("pk", flat=True))
    from portal.enums import Role
    from portal.models import Membership

    staff = dict(Membership.objects.filter(role=Role.UNIT_STAFF).values_list("unit_id", "user_id"))
    now = timezone.now()
    today = local_day(now)
    with transaction.atomic():
        written = history.generate(
            count=count, first_day=today - dt.timedelta(days=364), last_day=today, now=now, residents=residents,
            prefix="DG", seed=2026, timeline=True, staff=staff,
        )
        # Residents' "me too" on a few public appeals (once each: the unique constraint).
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO appeals_metoo (appeal_id, user_id, created_at)
                SELECT a.id, u.id, a.submitted_at + interval '1 day'
                FROM (SELECT id, submitted_at FROM appeals_appeal
                      WHERE is_public AND idempotency_key LIKE 'hist-DG-%' AND id % 23 = 0) a
                JOIN LATERAL (SELECT id FROM portal_user WHERE email LIKE 'hist-resident-%'
                              ORDER BY md5(id::text || a.id::text) LIMIT 1 + a.id % 5) u ON true
                ON CONFLICT DO NOTHING
                """
            )
            cursor.execute(
                "UPDATE appeals_appeal a SET me_too_count = m.n FROM "
                "(SELECT appeal_id, count(*) n FROM appeals_metoo GROUP BY appeal_id) m WHERE m.appeal_id = a.id"
            )
    rows = stats_services.recompute_all(now=now)
    run = cluster_services.compute_clusters(now=now)
    _seed_award_track(today)
    if stdout is not None:
        stdout.write(
            f"Appeals history: {written.appeals} appeals, {written.ratings} ratings, {written.rectifications} "
            f"rectifications, {written.events} timeline rows, {rows} daily figure rows, {run.suggested} clusters "
            f"in {time.monotonic() - began:.1f}s."
        )
    return written.appeals


def _seed_award_track(today: dt.date) -> None:
    """Links the latest campaign's 最佳回复单位 track to the last year's unit ranking."""
    from appeals.models import UnitRankingAward
    from cases.enums import TrackKind
    from cases.models import Campaign, Track

    campaign = Campaign.objects.order_by("-pk").first()
    if campaign is None:
        return
    track, _ = Track.objects.get_or_create(
        campaign=campaign, name="最佳回复单位",
        defaults={"kind": TrackKind.BEST_UNIT, "description": "按诉求办理绩效排名（按时办结率、满意率、答复率、整改按时率）", "position": 90},
    )
    UnitRankingAward.objects.get_or_create(
        track=track, defaults={"period_start": today - dt.timedelta(days=364), "period_end": today, "min_received": 50, "winners": 15}
    )


def seed(*, stdout=None) -> dict:
    with transaction.atomic():
        units = portal_demo.seed_units()
        seed_holidays()
        items = seed_catalogue(units)
    made = seed_appeals(items, units)
    if stdout is not None:
        stdout.write(
            f"Appeals: {Category.objects.count()} categories, {Item.objects.count()} items, "
            f"{Responsibility.objects.count()} responsibility rows, {made} new demo appeals "
            f"({', '.join(sorted(set(Appeal.objects.values_list('state', flat=True).distinct())))}).\n"
        )
    history_made = seed_history(stdout=stdout)
    return {"items": items, "appeals_created": made, "history_created": history_made}


__all__ = ["seed", "CATALOGUE", "AppealState"]
