"""Demo data of the case registry: 第三届东莞市民点赞榜 with 80 cases on the
board across the 9 domains, the five top cases of the real 2021 board, and
entries in every screening state. The call for entries is over and public
voting is open today (the voting app's demo votes on this board).

Re-runnable: the campaign is found by its slug, entries by (campaign, title);
the timeline is moved (and the move recorded) only if voting is not open.
"""

from __future__ import annotations

import datetime as dt
import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image, ImageDraw

from cases import posters, services
from cases.enums import EntryAction, EntryState, PhaseKind
from cases.models import Campaign, CaseEntry, Domain, EntryEvent, EntryImage
from cases.richtext import sanitise_story
from demo import portal as portal_demo
from portal import timeutils
from portal.enums import UnitKind, UnitLevel
from portal.images import process_upload
from portal.models import Unit, User

SLUG = "dongguan-2021"
TITLE = "第三届东莞市民点赞榜"
DESCRIPTION = (
    "全市各镇街、各部门“我为群众办实事”优秀案例，经初审筛选后在这里公示。"
    "市民每天可以投票点赞，得票前 30 名进入专家评审。"
)
DOMAIN_COLOURS = {
    "教育": (31, 78, 140), "医疗卫生": (11, 110, 79), "文化体育": (122, 62, 157), "社会保障": (138, 75, 0),
    "城市安全": (164, 22, 26), "交通": (0, 95, 115), "环境保护": (45, 106, 31), "政务服务": (125, 15, 19),
    "社区服务": (92, 61, 46),
}

# The five top cases of the real 2021 board, in rank order (the voting demo
# reads this list).
TOP_CASES = [
    ("南城街道住房和城乡建设局", "持续推进老旧小区改造加装电梯工作", "社区服务",
     "南城街道把老旧小区加装电梯作为头号民生工程，街道、社区、业主三方协商，一梯一策破解“上楼难”。",
     "累计加装电梯 126 台，惠及居民 3,100 余户；审批时间由 90 天压缩到 30 天。"),
    ("大朗镇城市管理和综合执法分局", "为“城市美容师”延长亮灯20分钟", "环境保护",
     "清晨清扫时段天色尚暗，大朗镇将主干道路灯关灯时间推迟 20 分钟，保障环卫工人作业安全。",
     "覆盖主干道 46 条、路灯 5,200 余盏；环卫作业安全事故同比下降 60%。"),
    ("东莞市税务局", "创新打造局长“码上办”平台，为纳税人纾困解难超千条", "政务服务",
     "纳税人扫码即可直达局长，诉求限时办结、全程可查，问题不解决不销号。",
     "平台上线一年收到诉求 1,086 条，办结率 100%，满意率 99.2%。"),
    ("东莞市政务服务数据管理局", "热线座席规模扩容至300席，接听满意度达99%", "政务服务",
     "12345 热线座席扩容至 300 席，智能分流与知识库上线，“打得进、接得快、办得好”。",
     "接通率由 78% 提升到 97%，平均等待 12 秒；接听满意度 99%。"),
    ("东莞市工业和信息化局", "打造政企沟通最便捷的公共服务平台", "政务服务",
     "企业诉求一网受理、部门协同办理，惠企政策精准推送、免申即享。",
     "服务企业 2.3 万家，解决诉求 4,800 余件，政策兑现 12 亿元。"),
]
TOP_CASE_TITLES = [title for _unit, title, *_rest in TOP_CASES]

# Further cases per domain: (title, results).
# Who plausibly enters a case of each domain: the city bureaus whose names
# carry these words, any town or street government (镇街 do everything), and
# communities for community and social services.
DOMAIN_UNIT_WORDS = {
    "教育": ["教育"],
    "医疗卫生": ["卫生", "医院", "医疗保障"],
    "文化体育": ["文化"],
    "社会保障": ["民政", "人力资源", "医疗保障", "社区"],
    "城市安全": ["应急", "公安", "住房", "城市管理"],
    "交通": ["交通", "公安"],
    "环境保护": ["生态", "水务", "城市管理", "供水"],
    "政务服务": ["政务", "12345", "税务", "市场监督", "自然资源"],
    "社区服务": ["民政", "志愿者", "社区"],
}


def fits_domain(unit: Unit, domain: str) -> bool:
    """A believable entrant for a case of this domain (demo data only)."""
    if unit.kind == UnitKind.TOWN and unit.level == UnitLevel.TOWN:
        return True
    return any(word in unit.name for word in DOMAIN_UNIT_WORDS.get(domain, ()))


CASES_BY_DOMAIN = {
    "教育": [
        ("新增公办学位3200个，缓解“入学难”", "新建改扩建学校 6 所，公办学位占比提升 5 个百分点。"),
        ("课后服务全覆盖，家长按时下班不再愁", "全镇 42 所中小学提供课后服务，参与学生 3.6 万人。"),
        ("校园周边护学岗，上学放学更安心", "设立护学岗 58 个，校园周边事故下降 70%。"),
        ("“家门口”的幼儿园：普惠园覆盖率达85%", "新增普惠性学位 2,400 个，收费平均下降 30%。"),
        ("随迁子女积分入学一网通办", "办理时间由 15 天缩短为 3 天，全程零跑腿。"),
        ("中小学午餐配送“明厨亮灶”", "126 所学校厨房接入视频监管，家长随时可看。"),
        ("乡村学校配齐音体美教师", "补充专任教师 210 名，开齐开足课程。"),
        ("课桌椅按身高调节，护航学生脊柱健康", "更换可调课桌椅 1.8 万套。"),
        ("校外培训资金监管全覆盖", "监管资金 2.1 亿元，退费纠纷下降 90%。"),
    ],
    "医疗卫生": [
        ("社区卫生服务站夜间门诊延长到21点", "19 个站点开设夜诊，服务居民 5.2 万人次。"),
        ("家庭医生签约上门，慢病老人少跑腿", "签约重点人群 8.6 万人，上门服务 1.2 万次。"),
        ("检查结果互认，一年为群众节省1800万元", "32 家医院 186 项检查结果互认。"),
        ("120急救“上车即入院”", "急救平均反应时间缩短至 9 分钟。"),
        ("医保报销“一站式”即时结算", "结算时间由 20 天缩短为即时，惠及 46 万人次。"),
        ("孕产妇全程“一本通”服务", "建档率 99.6%，孕产妇满意度 98%。"),
        ("中医馆进社区，看病更方便", "建成社区中医馆 28 个。"),
        ("预约挂号精确到30分钟", "平均候诊时间缩短 40 分钟。"),
        ("免费“两癌”筛查惠及适龄妇女", "完成筛查 6.3 万人。"),
    ],
    "文化体育": [
        ("学校体育场地节假日向市民开放", "开放学校体育场地 85 所，年接待 120 万人次。"),
        ("“15分钟健身圈”覆盖城区", "新建社区健身点 210 个、绿道 46 公里。"),
        ("图书馆分馆开到工业园区", "新建分馆 24 个，年借阅 36 万册次。"),
        ("非遗进校园，龙舟文化代代传", "培训学生 8,000 余人。"),
        ("公益电影下乡“月月放”", "全年放映 2,600 场。"),
        ("全民健身赛事“周周有”", "举办群众赛事 380 场，参与 22 万人次。"),
        ("文化馆免费艺术培训“一键预约”", "开设课程 96 门，培训 1.5 万人次。"),
        ("粤剧“私伙局”进公园", "全年演出 420 场，观众 9 万人次。"),
        ("村级文化广场提升改造", "改造文化广场 64 个。"),
    ],
    "社会保障": [
        ("社保业务“就近办”：镇村两级全覆盖", "可就近办理事项 126 项，跑腿次数减少 80%。"),
        ("长者饭堂让老人吃上热乎饭", "建成长者饭堂 48 个，日均就餐 3,200 人次。"),
        ("根治欠薪“绿色通道”", "为 1.2 万名劳动者追回工资 1.6 亿元。"),
        ("困难群众救助“主动发现”", "主动发现并救助困难群众 2,300 户。"),
        ("灵活就业人员参保“一次办”", "新增参保 3.8 万人。"),
        ("残疾人“两项补贴”免申即享", "惠及残疾人 1.9 万人。"),
        ("居家养老服务券“线上用”", "发放服务券 2,600 万元。"),
        ("退役军人服务站“全覆盖”", "建成服务站 596 个。"),
        ("新就业形态劳动者“暖心驿站”", "建成驿站 150 个，服务外卖骑手、快递员 30 万人次。"),
    ],
    "城市安全": [
        ("电动自行车集中充电棚进小区", "建成充电棚 1,260 个，电动车火灾下降 45%。"),
        ("老旧燃气管道更新改造", "改造燃气管道 320 公里。"),
        ("“三小场所”消防隐患清零行动", "整改隐患 2.6 万处。"),
        ("内涝黑点逐个销号", "整治内涝点 58 处。"),
        ("高空抛物“天网”守护", "安装高空监控 4,800 台，高空抛物投诉下降 75%。"),
        ("学校食堂食品安全“互联网+明厨亮灶”", "覆盖食堂 1,100 家。"),
        ("危险边坡治理保平安", "治理边坡 86 处。"),
        ("出租屋消防安全“一屋一码”", "赋码出租屋 8.2 万栋。"),
        ("电梯困人“5分钟响应”", "全市电梯接入应急处置平台，平均救援到场 12 分钟。"),
    ],
    "交通": [
        ("公交线网优化，新开“社区微巴”", "新开微循环线路 38 条，日均客流 4.6 万人次。"),
        ("学校周边“即停即走”接送区", "设置接送区 96 处，高峰拥堵时长下降 35%。"),
        ("新增公共停车位1.2万个", "缓解停车难投诉下降 40%。"),
        ("地铁站接驳公交“零距离”", "调整接驳线路 22 条。"),
        ("“断头路”打通，通勤少绕10公里", "打通断头路 16 条。"),
        ("交通信号灯智能配时", "主干道通行效率提升 18%。"),
        ("驾驶证业务“全城通办”", "办理时间缩短至 20 分钟。"),
        ("过街天桥加装电梯", "为 12 座天桥加装电梯。"),
        ("网约车、出租车“扬手即停”候客点", "设置候客点 180 个。"),
    ],
    "环境保护": [
        ("黑臭水体治理，还河道清水绿岸", "治理河涌 58 条，水质达标率 100%。"),
        ("垃圾分类“定时定点”进小区", "覆盖小区 1,860 个，回收利用率 42%。"),
        ("工业噪声扰民“夜间静音”行动", "噪声投诉下降 55%。"),
        ("口袋公园“见缝插绿”", "新建口袋公园 72 个。"),
        ("餐饮油烟在线监测", "安装监测设备 1,300 套，油烟投诉下降 60%。"),
        ("建筑工地扬尘“智慧监管”", "在建工地 100% 接入监控。"),
        ("村级污水管网全覆盖", "新建污水管网 480 公里。"),
        ("公厕革命：城区公厕“15分钟可达”", "新建改造公厕 340 座。"),
    ],
    "政务服务": [
        ("“一件事一次办”主题服务上线", "上线主题服务 86 项，材料精简 60%。"),
        ("企业开办“1天办结”", "开办时间由 5 天压缩到 1 天。"),
        ("不动产登记“带押过户”", "办理 3,200 宗，节省资金成本 8 亿元。"),
        ("政务服务“周末不打烊”", "周末办件 4.6 万件。"),
        ("“免证办”：刷脸即可办理", "实现免证办理事项 1,200 项。"),
    ],
    "社区服务": [
        ("小区物业“红色管家”", "成立物业党支部 126 个，物业投诉下降 38%。"),
        ("“社区食堂”让上班族吃得放心", "建成社区食堂 36 家。"),
        ("社区“四点半课堂”", "服务学生 2.8 万人次。"),
        ("出租屋“管家式”服务", "服务租户 12 万人。"),
        ("小区充电桩“统建统营”", "新建充电桩 2,600 个。"),
        ("社区矛盾纠纷“一站式”调解", "调解纠纷 3,400 宗，成功率 96%。"),
        ("“长者驿站”日间照料", "服务老人 6,500 人。"),
        ("社区志愿服务积分兑换", "注册志愿者 4.2 万人。"),
    ],
}
# Entries that did not make the board, per screening state.
OFF_BOARD = [
    (EntryState.SUBMITTED, 10, ""),
    (EntryState.CHANGES_REQUESTED, 5, "成效数据缺少来源，请补充统计口径和出处后重新提交。"),
    (EntryState.REJECTED, 20, "与往届案例重复，或属于常规工作、创新性不足。"),
    (EntryState.WITHDRAWN, 3, ""),
    (EntryState.DRAFT, 2, ""),
]
OFF_BOARD_TITLES = [
    "推进“智慧社区”建设试点", "开展夏季消暑送清凉活动", "组织开展防溺水宣传进社区", "优化办事大厅叫号系统",
    "开展“文明交通”劝导志愿活动", "组织企业招聘会助力稳就业", "农贸市场升级改造", "开展敬老爱老慰问活动",
    "建立网格员“随手拍”机制", "推动老旧路灯节能改造", "开展春季植树活动", "举办全民阅读月活动",
    "开展消防安全演练进校园", "推行“好差评”制度", "开展食品安全宣传周", "建设镇级应急物资储备库",
    "举办社区邻里节", "开展“河长巡河”常态化", "推进政务公开标准化", "组织义诊进社区",
]


def demo_timeline(today: dt.date) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    """The call for entries (20 days) is over; voting runs 7 days with today
    inside it, closing at 12:00 as the real one did."""
    day = timeutils.local_midnight
    return {
        PhaseKind.CALL: (day(today - dt.timedelta(days=33)), day(today - dt.timedelta(days=13))),
        PhaseKind.SCREENING: (day(today - dt.timedelta(days=13)), day(today - dt.timedelta(days=3))),
        PhaseKind.VOTING: (day(today - dt.timedelta(days=3)), day(today + dt.timedelta(days=4)) + dt.timedelta(hours=12)),
        PhaseKind.REVIEW: (day(today + dt.timedelta(days=5)), day(today + dt.timedelta(days=15))),
        PhaseKind.RESULTS: (day(today + dt.timedelta(days=16)), day(today + dt.timedelta(days=120))),
    }


def demo_jpeg(domain: str, title: str, index: int) -> bytes:
    """A real JPEG: a coloured card with the domain's name."""
    colour = DOMAIN_COLOURS.get(domain, (164, 22, 26))
    image = Image.new("RGB", (960, 720), colour)
    draw = ImageDraw.Draw(image)
    shade = tuple(min(255, c + 40) for c in colour)
    draw.ellipse((560 - index * 60, -180, 1160 - index * 60, 420), fill=shade)
    draw.rectangle((0, 560, 960, 720), fill=tuple(max(0, c - 30) for c in colour))
    draw.text((64, 220), domain, font=posters.font(120), fill=(255, 255, 255))
    lines = posters.wrap(draw, title, posters.font(44), 840, 2)
    for number, line in enumerate(lines):
        draw.text((64, 585 + number * 58), line, font=posters.font(44), fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=88)
    return buffer.getvalue()


def _story(unit: str, title: str, summary: str, results: str) -> str:
    return sanitise_story(
        f"{summary}\n\n"
        f"群众反映集中的问题，{unit}把它列入“我为群众办实事”项目清单，明确责任人和完成时限，"
        f"每月向社会公开进度。\n\n"
        f"主要做法：\n一是摸清底数，逐一走访，建立问题台账；\n二是部门联动，简化流程，能合并的环节一律合并；\n"
        f"三是群众监督，办理结果由群众评价，不满意的重新办。\n\n"
        f"取得成效：{results}"
    )


def _ensure_campaign(today: dt.date, stdout) -> Campaign:
    timeline = demo_timeline(today)
    campaign = Campaign.objects.filter(slug=SLUG).first()
    if campaign is None:
        return services.create_campaign(
            actor=None, slug=SLUG, title=TITLE, year=today.year, description=DESCRIPTION, phases=timeline
        )
    voting = campaign.phases.filter(kind=PhaseKind.VOTING, track=None).first()
    now = timeutils.now()
    if voting is None or not (voting.starts_at <= now < voting.ends_at):
        # Move the whole timeline so that voting is open today: later phases
        # first when moving forward, so that no two phases ever overlap.
        order = list(timeline.items())
        if voting is not None and timeline[PhaseKind.VOTING][0] > voting.starts_at:
            order.reverse()
        for kind, (start, end) in order:
            services.set_phase(
                actor=None, campaign=campaign, kind=kind, starts_at=start, ends_at=end,
                reason="演示数据：按今天重排日程，使公众投票正在进行",
            )
        if stdout:
            stdout.write(f"  cases: moved the timeline of {TITLE} so that voting is open today")
    return campaign


def _add_images(entry: CaseEntry, domain: str, count: int) -> None:
    for index in range(count):
        upload = SimpleUploadedFile(f"demo-{entry.pk}-{index}.jpg", demo_jpeg(domain, entry.title, index), "image/jpeg")
        processed = process_upload(upload)
        EntryImage.objects.create(
            entry=entry, position=index, image=processed.image, thumbnail=processed.thumbnail,
            width=processed.width, height=processed.height,
        )


@transaction.atomic
def seed(*, stdout=None) -> Campaign:
    units = portal_demo.seed_units()
    today = timeutils.local_day()
    campaign = _ensure_campaign(today, stdout)
    track = campaign.tracks.order_by("position", "pk").first()
    domains = {domain.name: domain for domain in Domain.objects.filter(campaign=campaign)}
    for name, colour in DOMAIN_COLOURS.items():
        domains[name].colour = "#%02x%02x%02x" % colour
    Domain.objects.bulk_update(domains.values(), ["colour"])
    organiser = User.objects.filter(email="organiser@demo.minxinbang.cn").first()
    existing = set(CaseEntry.objects.filter(campaign=campaign).values_list("title", flat=True))
    rng = random.Random(2021)
    call = campaign.phases.get(kind=PhaseKind.CALL)
    screening = campaign.phases.get(kind=PhaseKind.SCREENING)

    # Units other than the top five's take the generated cases in turn.
    pool = [unit for unit in Unit.objects.exclude(name=portal_demo.CITY).order_by("name")]
    rng.shuffle(pool)
    slots: dict[int, int] = {}

    def next_unit(domain: str) -> Unit:
        for _n in range(len(pool)):
            unit = pool[next_unit.i % len(pool)]
            next_unit.i += 1
            if fits_domain(unit, domain) and slots.get(unit.pk, 0) < campaign.entry_limit_per_track:
                slots[unit.pk] = slots.get(unit.pk, 0) + 1
                return unit
        raise ValueError(f"no unit left for a {domain} case")

    next_unit.i = 0
    for entry in CaseEntry.objects.filter(campaign=campaign, track=track).exclude(state=EntryState.WITHDRAWN):
        slots[entry.unit_id] = slots.get(entry.unit_id, 0) + 1

    plans = []  # (unit, title, domain, summary, results, state, images, reason)
    for unit_name, title, domain, summary, results in TOP_CASES:
        plans.append((units[unit_name], title, domain, summary, results, EntryState.ACCEPTED, 3, ""))
    for domain, cases in CASES_BY_DOMAIN.items():
        for title, results in cases:
            plans.append((None, title, domain, f"{title}：{results}", results, EntryState.ACCEPTED, 1 + rng.randrange(2), ""))
    off_titles = iter(OFF_BOARD_TITLES * 3)
    domain_names = list(DOMAIN_COLOURS)
    for state, count, reason in OFF_BOARD:
        for _n in range(count):
            title = next(off_titles)
            title = title if title not in [p[1] for p in plans] else f"{title}（{state.label}）"
            domain = rng.choice(domain_names)
            plans.append((None, title, domain, f"{title}，服务群众。", "服务群众 1,000 余人次。", state, 1, reason))

    made = 0
    for unit, title, domain, summary, results, state, image_count, reason in plans:
        if title in existing:
            continue
        if unit is None:
            unit = next_unit(domain)
        else:
            slots[unit.pk] = slots.get(unit.pk, 0) + 1
        submitted_at = call.starts_at + (call.ends_at - call.starts_at) * rng.random()
        decided_at = screening.starts_at + (screening.ends_at - screening.starts_at) * rng.random()
        entry = CaseEntry.objects.create(
            campaign=campaign,
            track=track,
            domain=domains[domain],
            unit=unit,
            slot=slots[unit.pk] if state != EntryState.WITHDRAWN else None,
            title=title,
            summary=summary[:300],
            story=_story(unit.name, title, summary, results),
            results=results,
            contact_name="王工",
            contact_phone="0769-2283 0000",
            state=state,
            changes_deadline=timeutils.now() + dt.timedelta(days=2) if state == EntryState.CHANGES_REQUESTED else None,
            screening_note=reason,
            created_by=organiser or User.objects.filter(is_superuser=True).first() or User.objects.first(),
            submitted_at=None if state == EntryState.DRAFT else submitted_at,
            accepted_at=decided_at if state == EntryState.ACCEPTED else None,
        )
        events = [EntryEvent(entry=entry, action=EntryAction.CREATE, from_state="", to_state=EntryState.DRAFT)]
        if state != EntryState.DRAFT:
            events.append(EntryEvent(entry=entry, action=EntryAction.SUBMIT, from_state=EntryState.DRAFT, to_state=EntryState.SUBMITTED))
        decision = {
            EntryState.ACCEPTED: EntryAction.ACCEPT,
            EntryState.REJECTED: EntryAction.REJECT,
            EntryState.CHANGES_REQUESTED: EntryAction.REQUEST_CHANGES,
            EntryState.WITHDRAWN: EntryAction.WITHDRAW,
        }.get(state)
        if decision:
            events.append(
                EntryEvent(
                    entry=entry, action=decision, from_state=EntryState.SUBMITTED, to_state=state,
                    actor=organiser if decision != EntryAction.WITHDRAW else None,
                    reason=reason, deadline=entry.changes_deadline,
                )
            )
        EntryEvent.objects.bulk_create(events)
        _add_images(entry, domain, image_count)
        made += 1
    if stdout:
        board = CaseEntry.objects.filter(campaign=campaign, state=EntryState.ACCEPTED).count()
        stdout.write(f"  cases: {TITLE} — {board} cases on the board, {made} entries added this run")
    return campaign
