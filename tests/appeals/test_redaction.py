"""Redaction of public text on real-looking appeals."""

from __future__ import annotations

import pytest

from appeals.redaction import find_spans, redact, segments


@pytest.mark.parametrize(("text", "expected"), [
    ("我的电话13800138000，有事联系", "我的电话138****8000，有事联系"),
    ("手机 138 0013 8000 或 +86-139-0013-9000", "手机 138****8000 或 139****9000"),
    ("请打0769-22223333或(0769)22112233转8", "请打0769-********或0769-********转8"),
    ("身份证号44190019850312123X已登记", "身份证号******************已登记"),
    ("身份证号441900198503121234", "身份证号******************"),
    ("车牌粤S·12345的货车天天占道", "车牌粤S·*****的货车天天占道"),
    ("粤SD12345新能源车和粤S 1234学教练车", "粤S·*****新能源车和粤S·*****教练车"),
    ("住在南城街道鸿福路88号鸿福花园3栋2单元1203室", "住在南城街道鸿福路**号鸿福花园*栋*单元***室"),
    ("5号楼B座12楼东侧", "*号楼*座**楼东侧"),
    ("1203房的住户晚上装修", "***房的住户晚上装修"),
])
def test_identifying_details_are_masked(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "东城街道某路与某街交叉口东侧的井盖不见了",
    "3月5号晚上坐2号线回家，写字楼大堂灯坏了",
    "2026年有100多人反映过，持续了3个月",
    "",
])
def test_ordinary_text_is_left_alone(text):
    assert redact(text) == text


def test_a_whole_appeal():
    text = ("我叫张先生，电话13912345678，住东城街道东城大道188号金地格林5栋2单元1502室。"
            "楼下停着粤S·A1234的车堵住消防通道，车主身份证是44190019900101001X，已经一个月了。")
    public = redact(text)
    for secret in ("13912345678", "188号", "5栋", "1502", "A1234", "44190019900101001X"):
        assert secret not in public
    assert "东城街道东城大道***号金地格林*栋*单元***室" in public and "139****5678" in public


@pytest.mark.parametrize(("text", "secret"), [
    ("我叫张伟，家住东城街道", "张伟"),
    ("本人李秀英，反映噪音", "李秀英"),
    ("楼下王阿姨天天跳广场舞", "王阿姨"),
    ("联系人：陈先生", "陈先生"),
    ("张先生您好，您反映的问题已转办", "张先生"),
    ("电话１３８００１３８０００", "１３８００１３８０００"),
    ("电话1380-013-8000", "1380-013-8000"),
    ("身份证 441900 19850312 123X", "441900 19850312 123X"),
    ("座机22223333找物业", "22223333"),
    ("邮箱zhangwei1985@163.com", "zhangwei1985"),
    ("QQ：12345678，晚上在线", "12345678"),
    ("加我微信zw_1985abc", "zw_1985abc"),
    ("我住金地格林3栋1203", "1203"),
    ("我家是旗峰花园3-1203", "3-1203"),
    ("卡号6222 0212 3456 7890 123", "6222 0212 3456 7890 123"),
])
def test_names_and_numbers_in_every_form_are_masked(text, secret):
    public = redact(text)
    assert secret not in public and public != text


@pytest.mark.parametrize("text", [
    "请拨打12345或110，也可以打0769-12345",
    "常平镇人民政府答复：2026年12月3日上午10点，东城大道的井盖已更换，费用3500元",
    "黄江镇市城市管理和综合执法局已于2026-11-28派人疏通",
])
def test_hotlines_dates_amounts_places_and_units_stay_readable(text):
    assert redact(text) == text


def test_the_contacts_own_name_and_phone_are_masked_wherever_they_appear():
    text = "秀英反映：李秀英的邻居说，有事打139-1234-5678，或者找物业。"
    public = redact(text, contact_name="李秀英", contact_phone="13912345678")
    assert "李秀英" not in public and "秀英" not in public and "139-1234-5678" not in public
    assert public == "**反映：***的邻居说，有事打139****5678，或者找物业。"


def test_full_width_text_is_masked_in_place_and_the_rest_kept_as_written():
    text = "我的电话：１３８００１３８０００（白天）"
    assert redact(text) == "我的电话：138****8000（白天）"
    spans = find_spans(text)
    assert [(text[s.start:s.end], s.kind) for s in spans] == [("１３８００１３８０００", "mobile")]


def test_segments_pair_the_original_with_its_masked_form():
    parts = segments("我叫张伟，电话13800138000", contact_name="", contact_phone="")
    assert parts == [("我叫", "我叫", ""), ("张伟", "**", "name"), ("，电话", "，电话", ""),
                     ("13800138000", "138****8000", "mobile")]
