"""Redaction of appeal text before it is shown in public (问政墙, Open311).

``redact(text)`` masks what identifies a person or a home:
- mobile numbers (13800138000, 138 0013 8000, +86-138-0013-8000),
- landlines (0769-22223333, (0769)22223333, 076922223333),
- 18-digit ID numbers (the last character may be X) and 15-digit old ones,
- vehicle plates (粤S·12345, 粤S12345, 粤SD12345 new-energy, 粤S 1234学),
- exact addresses: house numbers (鸿福路88号, 88号之一), buildings (3栋, 5号楼,
  B座), units (2单元), floors (12楼/12层) and rooms (1203室, 1203房).
A district, town, road or estate name stays: readers still know where the
problem is, not who reported it.
"""

from __future__ import annotations

import re

MASK = "*"

_DIGITS = r"0-9０-９"
# A person's numbers come first: an ID or phone must not be cut up by the address rules.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])")
_OLD_ID = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(?:(?:\+|00)?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(?:\(0\d{2,3}\)|（0\d{2,3}）|0\d{2,3}[\s-]?)\d{7,8}(?:-\d{1,5})?(?!\d)")
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"
_PLATE = re.compile(
    rf"[{_PROVINCES}]\s?[A-HJ-NP-Za-hj-np-z]\s?[·•．.\-\s]?\s?(?:[A-HJ-NP-Za-hj-np-z0-9]{{5,6}}|[A-HJ-NP-Za-hj-np-z0-9]{{4}}[挂学警港澳领试超])"
)
_NUMBER = rf"[{_DIGITS}一二三四五六七八九十百零〇]+"
_ADDRESS = re.compile(
    rf"(?<![月{_DIGITS}一二三四五六七八九十百零〇])(?:{_NUMBER}(?:[-－]{_NUMBER})?|[A-Za-z]\d*)"
    r"(?=(?:号楼|号院|号之[一二三四五六七八九十]|号铺|号(?![线码])|栋|幢|座|单元|楼|层|室|房|铺|档|户))"
)


def _mask_phone(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return f"{digits[-11:-8]}****{digits[-4:]}" if len(digits) >= 11 else MASK * 4


def _mask_landline(match: re.Match) -> str:
    text = match.group(0)
    area = re.match(r"[\(（]?(0\d{2,3})", text)
    return f"{area.group(1)}-********" if area else "********"


def _mask_address(text: str) -> str:
    # Floors like "12楼" only count when a number precedes them; "写字楼" or "大楼" stay.
    return _ADDRESS.sub(lambda m: MASK * min(max(len(m.group(0)), 1), 3), text)


def redact(text: str) -> str:
    """The public version of `text`: identifying numbers and exact addresses masked."""
    if not text:
        return ""
    text = _ID_NUMBER.sub(lambda m: MASK * 18, text)
    text = _OLD_ID.sub(lambda m: MASK * 15, text)
    text = _MOBILE.sub(_mask_phone, text)
    text = _LANDLINE.sub(_mask_landline, text)
    text = _PLATE.sub(lambda m: m.group(0)[0] + m.group(0)[1] + "·*****", text)
    text = _mask_address(text)
    return text


__all__ = ["redact", "MASK"]
