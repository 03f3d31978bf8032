"""Redaction of public text on real-looking appeals."""

from __future__ import annotations

import pytest

from appeals.redaction import redact


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
