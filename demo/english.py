"""English names of the demo's catalogue, areas, units and campaigns, so that
the portal in English shows them (portal.localised). Only empty English
names are filled: a name staff have entered is kept."""

from __future__ import annotations

from django.db import transaction

CATEGORIES = {
    "城市管理": "City management", "市容环卫": "Sanitation and cityscape", "噪音扰民": "Noise",
    "住房和物业": "Housing and property management", "交通出行": "Transport", "供水排水": "Water supply and drainage",
    "生态环境": "Environment", "市场监管": "Market regulation", "劳动和社会保障": "Labour and social security",
    "教育": "Education", "卫生健康": "Health", "医疗保障": "Medical insurance", "公安和治安": "Police and public order",
    "民政和社区": "Civil affairs and communities", "安全生产和应急": "Work safety and emergencies",
    "自然资源和规划": "Land and planning", "文化旅游体育": "Culture, tourism and sport",
    "政务服务": "Government services", "水电气和通信": "Utilities and telecoms", "其他": "Other",
}

ITEMS = {
    "占道经营": "Trading on the road", "流动摊贩": "Street hawkers", "店外经营": "Trading outside the shop",
    "违规户外广告": "Illegal outdoor advertising", "违法搭建": "Illegal construction",
    "共享单车乱停放": "Badly parked shared bikes", "建筑垃圾乱倒": "Dumped construction waste",
    "违规停车占用人行道": "Parking on the pavement", "沿街晾晒": "Laundry hung along the street",
    "违规张贴小广告": "Illegal flyposting", "路灯损坏": "Broken streetlight",
    "垃圾清运不及时": "Rubbish not collected", "道路清扫不干净": "Street not cleaned", "公厕脏乱": "Dirty public toilet",
    "垃圾桶破损": "Broken bin", "垃圾分类投放点": "Recycling point", "卫生死角": "Neglected dirty spot",
    "绿化带垃圾": "Litter in green verges", "死禽死畜处理": "Dead animal removal",
    "夜间施工噪音": "Night-time construction noise", "商铺高音喇叭": "Shop loudspeakers",
    "广场舞噪音": "Square dancing noise", "工厂设备噪音": "Factory machinery noise",
    "娱乐场所噪音": "Noise from entertainment venues", "装修噪音": "Renovation noise",
    "车辆改装噪音": "Modified vehicle noise",
    "物业服务纠纷": "Property management dispute", "小区电梯故障": "Lift out of order",
    "住宅专项维修资金": "Housing maintenance fund", "房屋质量问题": "Building quality problem",
    "违规装修": "Illegal renovation", "老旧小区改造": "Renewal of old estates", "建筑工地扬尘": "Construction site dust",
    "工地安全隐患": "Construction site hazard", "房屋租赁纠纷": "Tenancy dispute", "商品房交付": "New home handover",
    "公交线路调整": "Bus route change", "公交站台设施": "Bus stop facilities", "出租车拒载": "Taxi refusing passengers",
    "网约车服务": "Ride-hailing service", "道路破损坑洼": "Potholes and damaged road",
    "交通信号灯故障": "Traffic light fault", "停车收费": "Parking charges", "货车违规通行": "Lorries on restricted roads",
    "驾校培训": "Driving school", "客运站服务": "Coach station service",
    "停水": "Water cut", "水压不足": "Low water pressure", "水质异常": "Water quality problem",
    "井盖缺失破损": "Missing or broken manhole cover", "下水道堵塞": "Blocked drain", "道路积水": "Flooded road",
    "污水外溢": "Sewage overflow", "河涌黑臭": "Polluted, smelly river", "水费争议": "Water bill dispute",
    "工业废气": "Industrial fumes", "废水偷排": "Illegal wastewater discharge", "餐饮油烟扰民": "Restaurant cooking fumes",
    "露天焚烧": "Open burning", "异味扰民": "Bad smells", "危险废物倾倒": "Hazardous waste dumping",
    "扬尘污染": "Dust pollution", "辐射污染": "Radiation", "环评审批": "Environmental impact approval",
    "食品安全": "Food safety", "价格欺诈": "Price fraud", "虚假广告": "False advertising",
    "无证无照经营": "Unlicensed business", "计量不准": "Inaccurate scales or meters", "商品质量": "Product quality",
    "预付卡退费": "Prepaid card refund", "网购纠纷": "Online shopping dispute", "特种设备安全": "Special equipment safety",
    "药品安全": "Medicine safety",
    "拖欠工资": "Unpaid wages", "劳动合同纠纷": "Employment contract dispute", "社保缴费": "Social insurance contributions",
    "养老金领取": "Pension payments", "失业保险金": "Unemployment benefit", "工伤认定": "Work injury recognition",
    "职业技能补贴": "Vocational training subsidy", "招聘欺诈": "Recruitment fraud", "人才入户": "Household registration for talent",
    "学位申请": "School place application", "积分入学": "Points-based school admission",
    "校外培训机构": "Private tutoring centres", "校园安全": "School safety", "校车安全": "School bus safety",
    "学校收费": "School fees", "幼儿园管理": "Kindergartens", "课后服务": "After-school care",
    "师德师风": "Teacher conduct",
    "医疗服务投诉": "Medical service complaint", "就医排队": "Hospital queues", "疫苗接种": "Vaccination",
    "医德医风": "Medical ethics", "非法行医": "Illegal medical practice", "母婴健康服务": "Maternal and infant health",
    "健康证办理": "Health certificate", "职业病防治": "Occupational disease",
    "医保报销": "Medical insurance claims", "医保卡（电子医保凭证）": "Medical insurance card (e-card)",
    "异地就医备案": "Treatment in another city", "门诊特定病种": "Outpatient special conditions",
    "药品耗材价格": "Medicine and supply prices", "定点药店服务": "Designated pharmacy service",
    "户籍办理": "Household registration", "居住证": "Residence permit", "身份证办理": "ID card",
    "交通违法处理": "Traffic violation", "电动自行车上牌": "E-bike registration", "出入境证件": "Travel documents",
    "治安隐患": "Public order risk", "电信网络诈骗": "Phone and online fraud", "非机动车乱行驶": "Reckless cycling",
    "最低生活保障": "Minimum living allowance", "养老服务": "Elderly care", "残疾人补贴": "Disability allowance",
    "婚姻登记": "Marriage registration", "殡葬服务": "Funeral services", "社区服务": "Community services",
    "流浪乞讨救助": "Help for homeless people", "社会组织管理": "Social organisations",
    "消防通道堵塞": "Blocked fire lane", "工厂安全隐患": "Factory safety hazard", "危险化学品": "Hazardous chemicals",
    "燃气泄漏": "Gas leak", "电动车违规充电": "Unsafe e-bike charging", "高空坠物隐患": "Risk of falling objects",
    "防汛隐患": "Flood risk", "地质灾害隐患": "Landslide risk",
    "违法用地": "Illegal land use", "不动产登记": "Property registration", "规划许可公示": "Planning permission notices",
    "山体破坏": "Hillside damage", "征地补偿": "Land requisition compensation", "古树名木保护": "Protection of old trees",
    "公共体育设施": "Public sports facilities", "图书馆服务": "Library service", "文化活动": "Cultural events",
    "旅游投诉": "Tourism complaint", "网吧管理": "Internet cafés", "文物保护": "Heritage protection",
    "游泳场所安全": "Swimming pool safety",
    "办事效率": "Service speed", "网上办事系统": "Online services", "窗口服务态度": "Counter staff attitude",
    "证照办理": "Licences and certificates", "政务信息公开": "Government information", "营商环境": "Business environment",
    "企业开办": "Starting a business", "数据安全和个人信息": "Data security and personal information",
    "停电": "Power cut", "电费争议": "Electricity bill dispute", "燃气供应中断": "Gas supply cut",
    "通信信号差": "Poor mobile signal", "宽带安装": "Broadband installation", "充电桩建设": "EV charging points",
    "意见建议": "Suggestions", "表扬": "Praise", "其他问题": "Other problems",
}

TOWNS = {
    "南城街道": "Nancheng Subdistrict", "东城街道": "Dongcheng Subdistrict", "莞城街道": "Guancheng Subdistrict",
    "万江街道": "Wanjiang Subdistrict", "石龙镇": "Shilong Town", "石排镇": "Shipai Town", "茶山镇": "Chashan Town",
    "企石镇": "Qishi Town", "桥头镇": "Qiaotou Town", "东坑镇": "Dongkeng Town", "横沥镇": "Hengli Town",
    "常平镇": "Changping Town", "虎门镇": "Humen Town", "长安镇": "Chang'an Town", "沙田镇": "Shatian Town",
    "厚街镇": "Houjie Town", "寮步镇": "Liaobu Town", "大岭山镇": "Dalingshan Town", "大朗镇": "Dalang Town",
    "黄江镇": "Huangjiang Town", "樟木头镇": "Zhangmutou Town", "谢岗镇": "Xiegang Town", "塘厦镇": "Tangxia Town",
    "清溪镇": "Qingxi Town", "凤岗镇": "Fenggang Town", "麻涌镇": "Machong Town", "中堂镇": "Zhongtang Town",
    "高埗镇": "Gaobu Town", "石碣镇": "Shijie Town", "望牛墩镇": "Wangniudun Town", "洪梅镇": "Hongmei Town",
    "道滘镇": "Daojiao Town",
}

UNITS = {
    **TOWNS,
    "东莞市人民政府": "Dongguan Municipal Government",
    "东莞市税务局": "Dongguan Tax Bureau",
    "东莞市政务服务数据管理局": "Dongguan Government Services and Data Administration",
    "东莞市工业和信息化局": "Dongguan Bureau of Industry and Information Technology",
    "东莞市住房和城乡建设局": "Dongguan Housing and Urban-Rural Development Bureau",
    "东莞市城市管理和综合执法局": "Dongguan Urban Management and Law Enforcement Bureau",
    "东莞市教育局": "Dongguan Education Bureau",
    "东莞市卫生健康局": "Dongguan Health Commission",
    "东莞市文化广电旅游体育局": "Dongguan Bureau of Culture, Radio, TV, Tourism and Sports",
    "东莞市人力资源和社会保障局": "Dongguan Human Resources and Social Security Bureau",
    "东莞市公安局": "Dongguan Public Security Bureau",
    "东莞市交通运输局": "Dongguan Transport Bureau",
    "东莞市生态环境局": "Dongguan Ecology and Environment Bureau",
    "东莞市市场监督管理局": "Dongguan Administration for Market Regulation",
    "东莞市民政局": "Dongguan Civil Affairs Bureau",
    "东莞市应急管理局": "Dongguan Emergency Management Bureau",
    "东莞市水务局": "Dongguan Water Affairs Bureau",
    "东莞市自然资源局": "Dongguan Natural Resources Bureau",
    "东莞市医疗保障局": "Dongguan Healthcare Security Administration",
    "东莞市12345政务服务便民热线中心": "Dongguan 12345 Government Service Hotline Centre",
    "东莞市人民医院": "Dongguan People's Hospital",
    "东莞市供水有限公司": "Dongguan Water Supply Co., Ltd.",
    "东莞市志愿者协会": "Dongguan Volunteers Association",
    "南城街道住房和城乡建设局": "Nancheng Housing and Urban-Rural Development Bureau",
    "大朗镇城市管理和综合执法分局": "Dalang Urban Management and Law Enforcement Branch",
    "南城街道石鼓社区": "Shigu Community, Nancheng",
    "东城街道主山社区": "Zhushan Community, Dongcheng",
    "莞城街道罗沙社区": "Luosha Community, Guancheng",
}

CAMPAIGNS = {
    "第三届东莞市民点赞榜": "3rd Dongguan Citizens' Applause Board",
    "第二届东莞市民点赞榜": "2nd Dongguan Citizens' Applause Board",
}

TRACKS = {"典型案例": "Typical cases", "最佳回复单位": "Best replying units"}

DOMAINS = {
    "教育": "Education", "医疗卫生": "Health care", "文化体育": "Culture and sport", "社会保障": "Social security",
    "城市安全": "City safety", "交通": "Transport", "环境保护": "Environmental protection",
    "政务服务": "Government services", "社区服务": "Community services",
}


def _fill(model, field: str, names: dict[str, str]) -> int:
    english = f"{field}_en"
    rows = list(model.objects.filter(**{english: "", f"{field}__in": list(names)}))
    for row in rows:
        setattr(row, english, names[getattr(row, field)])
    model.objects.bulk_update(rows, [english], batch_size=500)
    return len(rows)


def seed(*, stdout=None) -> int:
    from appeals.models import Area, Category, Item
    from cases.models import Campaign, Domain, Track
    from portal.models import Unit

    with transaction.atomic():
        filled = sum([
            _fill(Category, "name", CATEGORIES), _fill(Item, "name", ITEMS), _fill(Area, "name", TOWNS),
            _fill(Unit, "name", UNITS), _fill(Campaign, "title", CAMPAIGNS), _fill(Track, "name", TRACKS),
            _fill(Domain, "name", DOMAINS),
        ])
    if stdout:
        stdout.write(f"  English names: {filled} filled")
    return filled
