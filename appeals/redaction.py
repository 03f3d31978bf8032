"""Redaction of appeal and reply text before it is shown in public (问政墙, Open311).

``find_spans(text, contact_name=…, contact_phone=…)`` finds what identifies a
person or a home; ``redact`` masks it; ``segments`` cuts a text into plain and
masked parts for the moderators' side-by-side view. Measured against
``tests/appeals/redaction_corpus.jsonl`` by ``manage.py redaction_report``
(precision and recall per kind; the targets are asserted by a test).

How it works:

1. The text is NFKC-normalised one character at a time (full-width ``１３８``
   becomes ``138``, ``（`` becomes ``(``) keeping, for every normalised
   character, the offset of the original one. Every rule runs on the
   normalised text; the spans it finds are mapped back, and masking is done on
   the *original* text, so what is not masked is published exactly as written.
2. Libraries where they exist: ``phonenumbers`` validates and classifies
   telephone numbers in any grouping (and finds those with brackets or a
   country code); jieba's part-of-speech tagger (its own tokenizer instance
   with its bundled dictionary, ``nr`` tags) proposes person names.
3. Small named rules (``RULES`` below) for what the libraries do not know:
   ID and bank-card numbers, 8-digit local numbers, e-mail, QQ/WeChat ids,
   plates, door numbers, and names announced by a cue (我叫…, 联系人：…) or a
   form of address (王阿姨, 张先生).
4. The appeal's own contact name and phone are masked wherever they appear,
   also in replies that quote them.

Kept readable: place, road and unit names, dates, times, amounts, and service
numbers (12345, 110, 0769-12345, 400/800 numbers): readers still learn where the
problem is, not who reported it.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from dataclasses import dataclass

import phonenumbers

MASK = "*"

KINDS = ("name", "mobile", "landline", "id", "email", "account", "address", "plate", "card")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str
    rule: str


# --- normalisation -----------------------------------------------------------

def normalise(text: str) -> tuple[str, list[int]]:
    """NFKC per character, and for each normalised character the index of the original one."""
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        norm = unicodedata.normalize("NFKC", char) if ord(char) > 127 else char
        out.append(norm)
        origin.extend([index] * len(norm))
    return "".join(out), origin


# --- named rules ---------------------------------------------------------------

SURNAMES_COMPOUND = "欧阳|司马|上官|诸葛|东方|皇甫|令狐|慕容|司徒|夏侯|尉迟|公孙|长孙|宇文|端木"
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖萧田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤"
    "温康易乔施常牛洪柳庞殷阮卜翟包麦岑植冼邝甘钮"
)
_SURNAME = rf"(?:{SURNAMES_COMPOUND}|[{SURNAMES}])"
# A form of address after a surname: 王阿姨, 陈先生, 李师傅. The surname is masked, the title stays.
TITLES = "先生|女士|小姐|阿姨|叔叔|伯伯|大爷|大妈|大姐|大哥|师傅|奶奶|爷爷|婆婆|阿婆|阿伯|老师|同志|医生|律师|经理|主任|姐|哥"
# Words announcing a name: 我叫张伟, 本人李秀英, 联系人：陈先生.
CUES = (
    "我叫|我是|本人|名叫|叫做|联系人|姓名|署名|报料人|投诉人|反映人|来电人|举报人|求助人|经办人|承办人|"
    "业主|户主|租户|老人|邻居|家属|儿子|女儿|丈夫|妻子|老公|老婆|母亲|父亲"
)
# Characters that never continue a name (verbs and particles around one).
_NOT_NAME = (
    "的了是在住和与及跟同给向对把被说讲称反映投诉举报电话手机号码家楼先女老阿大师同姐哥叔伯婆爷奶医律您你我他她们"
    "一二三四五六七八九十镇区县市村路街道"
)
_GIVEN = rf"[\u4e00-\u9fff](?<![{_NOT_NAME}])(?:[\u4e00-\u9fff](?<![{_NOT_NAME}]))?"

CUE_NAME = re.compile(rf"(?:{CUES})\s*[:：]?\s*({_SURNAME}(?!{TITLES}){_GIVEN})")
TITLE_NAME = re.compile(rf"({_SURNAME})(?={TITLES})")

# Place words a name must not swallow (the demo city's towns and common suffixes).
PLACE_WORDS = (
    "莞城 东城 南城 万江 石碣 石龙 茶山 石排 企石 横沥 桥头 谢岗 东坑 常平 寮步 樟木头 大朗 黄江 清溪 塘厦 凤岗 "
    "大岭山 长安 虎门 厚街 沙田 道滘 洪梅 麻涌 望牛墩 中堂 高埗 松山湖 滨海湾 东莞 广州 深圳 惠州 佛山 "
    "高新区 文明路 向阳路 石美 白马 黄旗山 旗峰 金鳌洲 鸿福 运河 华南 岭南"
).split()
# Common words jieba tags as person names.
NOT_NAMES = frozenset("高峰 文明 高新 常态 黄金 金融 石材 龙头 白天 方便 江湖 马路 程序 雷雨 温和 易燃 康复 乔迁 洪水 万元 万一 向阳 林荫 华南".split())
_PLACE_SUFFIX = re.compile(r"[镇区县市省村路街道巷桥湖山江河湾园馆站场城厂院校局委办所队]")

ID_NUMBER = re.compile(r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dX]")
OLD_ID = re.compile(r"[1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}")
DATE_LIKE = re.compile(r"(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")
# A run of digits written in any grouping (spaces or dashes), an optional +86 and a final X for IDs.
DIGIT_RUN = re.compile(
    r"(?<![0-9A-Za-z@._])(?:\+?86[ \-]?|\(0\d{2,3}\)\s?)?\d(?:[ \-]?\d){6,21}(?:[ \-]?[Xx])?(?![0-9A-Za-z@])"
)
_QUANTITY_AFTER = re.compile(r"\s*(?:元|块|万|亿|人|次|户|个|平|米|吨|斤|公里|千|百|分|秒|年|天)")
_PHONE_CUE = re.compile(r"(?:电话|致电|拨打|座机|手机|号码|联系|热线|tel|Tel|TEL)\D{0,6}$")
SERVICE_PREFIXES = ("400", "800", "95", "96", "123", "110", "119", "120", "122")

EMAIL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
QQ = re.compile(r"(?:QQ|qq|扣扣)\s*(?:号码|号)?\s*(?:是|为)?\s*[:：]?\s*(\d{5,11})(?!\d)")
WECHAT = re.compile(
    r"(?:微信|VX|vx|WX|wx|V信|v信|weixin)\s*(?:号码|号)?\s*(?:是|为)?\s*[:：]?\s*"
    r"((?:wxid_)?[A-Za-z][A-Za-z0-9_\-]{5,19}|1[3-9]\d{9})(?![A-Za-z0-9_\-])"
)

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"
PLATE = re.compile(
    rf"[{_PROVINCES}]\s?[A-HJ-NP-Za-hj-np-z]\s?[·•.\-\s]?\s?(?:[A-HJ-NP-Za-hj-np-z0-9]{{5,6}}|[A-HJ-NP-Za-hj-np-z0-9]{{4}}[挂学警港澳领试超])"
)
_NUMBER = r"[0-9一二三四五六七八九十百零〇]+"
# Door numbers: 88号, 3栋, 5号楼, B座, 2单元, 12楼, 1203室 (not 3号线, not 5月3号).
ADDRESS = re.compile(
    rf"(?<![月0-9一二三四五六七八九十百零〇A-Za-z])(?:{_NUMBER}(?:-{_NUMBER})?|[A-Za-z]\d*)"
    r"(?=(?:号楼|号院|号之[一二三四五六七八九十]|号铺|号房|号(?![线码口车])|栋|幢|座|单元|楼(?![盘市])|层|室|房|铺|档|户))"
)
# The room after a building: 3栋1203, 5座801 (the building number itself is ADDRESS).
ROOM_AFTER_BUILDING = re.compile(r"(?<=栋|幢|座)\s?(\d{3,4})(?![0-9年月日元号万])")
# 3-1203, 12-0802: building-room; not dates (2026-12), not 0769-12345.
BUILDING_ROOM = re.compile(r"(?<![0-9\-])(\d{1,2}-\d{3,4})(?![0-9\-])")


# --- jieba, its own tokenizer ------------------------------------------------------

_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _pos_tokenizer():
    """A private jieba tokenizer (its bundled dictionary) so that place words added here
    do not change how the clustering job segments text."""
    import jieba
    from jieba.posseg import POSTokenizer

    jieba.setLogLevel(60)
    tokenizer = jieba.Tokenizer()
    for word in PLACE_WORDS:
        tokenizer.add_word(word, freq=200000, tag="ns")
    return POSTokenizer(tokenizer)


def _jieba_names(norm: str) -> list[tuple[int, int]]:
    """Person names tagged ``nr`` by jieba, kept only when they look like a Chinese name
    (a known surname, 2–4 characters) and are not followed by a place suffix."""
    with _lock:
        tokens = list(_pos_tokenizer().cut(norm))
    found = []
    pos = 0
    words = []
    for pair in tokens:
        words.append((pos, pair.word, pair.flag))
        pos += len(pair.word)
    skip = -1
    for i, (start, word, flag) in enumerate(words):
        if i <= skip:
            continue
        end = start + len(word)
        nxt = words[i + 1] if i + 1 < len(words) else None
        if len(word) == 1 and word in SURNAMES and nxt and nxt[2].startswith("nr") and 1 <= len(nxt[1]) <= 2:
            # jieba splits 何 | 志强: a lone surname before a given-name token joins it.
            end, word, skip = nxt[0] + len(nxt[1]), word + nxt[1], i + 1
        elif not flag.startswith("nr"):
            continue
        if not (2 <= len(word) <= 4) or not re.fullmatch(rf"{_SURNAME}[\u4e00-\u9fff]{{1,2}}", word):
            continue
        if word in NOT_NAMES or _looks_like_place(norm, start, end):
            continue
        found.append((start, end))
    return found


def _looks_like_place(norm: str, start: int, end: int) -> bool:
    """常平, 黄江镇, 石龙镇政府: a town or road name that starts with a surname."""
    word = norm[start:end]
    return (
        any(norm.startswith(place, start) for place in PLACE_WORDS)
        or bool(_PLACE_SUFFIX.match(word[-1]))
        or (end < len(norm) and bool(_PLACE_SUFFIX.match(norm[end])))
    )


# --- detection ------------------------------------------------------------------

def _digits(text: str) -> str:
    return re.sub(r"[^0-9Xx]", "", text).upper()


def _classify_number(digits: str, norm: str, start: int, end: int) -> str | None:
    """What a run of digits is: an ID, a bank card, a mobile, a landline, or nothing personal."""
    if len(digits) == 18 and ID_NUMBER.fullmatch(digits):
        return "id"
    if len(digits) == 15 and OLD_ID.fullmatch(digits):
        return "id"
    if "X" in digits:
        return None
    national = digits[2:] if digits.startswith("86") and len(digits) == 13 else digits
    if len(national) == 11 and re.fullmatch(r"1[3-9]\d{9}", national):
        return "mobile"
    if 16 <= len(digits) <= 19:
        return "card"
    if _QUANTITY_AFTER.match(norm[end:end + 3]):
        return None
    if national.startswith(SERVICE_PREFIXES):
        return None
    if national.startswith("0") and 10 <= len(national) <= 12:
        try:
            number = phonenumbers.parse(national, "CN")
        except phonenumbers.NumberParseException:
            return None
        # Possible, not valid: a number outside the published ranges is still somebody's.
        return "landline" if phonenumbers.is_possible_number(number) else None
    if len(national) == 8 and national[0] in "2345678":
        # An 8-digit local number without its area code; a date like 20261203 only with a phone cue.
        if DATE_LIKE.fullmatch(national) and not _PHONE_CUE.search(norm[max(0, start - 12):start]):
            return None
        return "landline"
    if len(national) == 7 and national[0] in "2345678" and _PHONE_CUE.search(norm[max(0, start - 12):start]):
        return "landline"
    return None


def _phone_pattern(phone: str) -> re.Pattern | None:
    digits = _digits(normalise(phone or "")[0])
    if len(digits) < 7:
        return None
    national = digits[2:] if digits.startswith("86") and len(digits) == 13 else digits
    return re.compile(r"(?<![\d+])(?:\+?86[ \-]?)?" + r"[ \-]?".join(national) + r"(?!\d)")


def _contact_name_spans(norm: str, contact_name: str) -> list[tuple[int, int]]:
    name = re.sub(r"\s+", "", normalise(contact_name or "")[0])
    if len(name) < 2 or not re.fullmatch(r"[\u4e00-\u9fff·]+", name):
        return []
    spans = [(m.start(), m.end()) for m in re.finditer(re.escape(name), norm)]
    compound = re.match(SURNAMES_COMPOUND, name)
    given = name[2:] if compound else name[1:]
    if len(given) >= 2:  # 秀英 alone when the contact is 李秀英
        spans += [(m.start(), m.end()) for m in re.finditer(re.escape(given), norm)]
    return spans


def find_spans(text: str, *, contact_name: str = "", contact_phone: str = "") -> list[Span]:
    """What must be masked in ``text``, as spans of the original text, sorted and disjoint."""
    if not text:
        return []
    norm, origin = normalise(text)
    taken = bytearray(len(norm) + 1)
    found: list[tuple[int, int, str, str]] = []

    def add(start: int, end: int, kind: str, rule: str) -> None:
        if start >= end or any(taken[start:end]):
            return
        taken[start:end] = b"\x01" * (end - start)
        found.append((start, end, kind, rule))

    for m in EMAIL.finditer(norm):
        add(m.start(), m.end(), "email", "email")
    for pattern, rule in ((QQ, "qq"), (WECHAT, "wechat")):
        for m in pattern.finditer(norm):
            add(m.start(1), m.end(1), "account", rule)
    phone = _phone_pattern(contact_phone)
    if phone:
        kind = "mobile" if _digits(contact_phone)[-11:-10] == "1" else "landline"
        for m in phone.finditer(norm):
            add(m.start(), m.end(), kind, "contact_phone")
    for m in DIGIT_RUN.finditer(norm):
        kind = _classify_number(_digits(m.group(0)), norm, m.start(), m.end())
        if kind:
            add(m.start(), m.end(), kind, "digits")
    for match in phonenumbers.PhoneNumberMatcher(norm, "CN"):
        national = str(match.number.national_number)
        if len(national) < 7 or national.startswith(SERVICE_PREFIXES):
            continue
        kind = "mobile" if phonenumbers.number_type(match.number) == phonenumbers.PhoneNumberType.MOBILE else "landline"
        add(match.start, match.end, kind, "phonenumbers")
    for m in PLATE.finditer(norm):
        add(m.start(), m.end(), "plate", "plate")
    for start, end in _contact_name_spans(norm, contact_name):
        add(start, end, "name", "contact_name")
    for m in CUE_NAME.finditer(norm):
        if not _looks_like_place(norm, m.start(1), m.end(1)):
            add(m.start(1), m.end(1), "name", "cue")
    for m in TITLE_NAME.finditer(norm):
        add(m.start(1), m.end(1), "name", "title")
    for start, end in _jieba_names(norm):
        add(start, end, "name", "jieba")
    for pattern in (ROOM_AFTER_BUILDING, BUILDING_ROOM):
        for m in pattern.finditer(norm):
            add(m.start(1), m.end(1), "address", "room")
    for m in ADDRESS.finditer(norm):
        add(m.start(), m.end(), "address", "door")

    spans = []
    for start, end, kind, rule in sorted(found):
        spans.append(Span(origin[start], origin[end - 1] + 1, kind, rule))
    return spans


# --- masking ---------------------------------------------------------------------

def _mask(original: str, kind: str) -> str:
    norm = normalise(original)[0]
    digits = _digits(norm)
    if kind == "mobile":
        national = digits[-11:]
        return f"{national[:3]}****{national[-4:]}" if len(national) == 11 else MASK * 4
    if kind == "landline":
        area = re.match(r"\+?(?:86)?[\s\-]?\(?(0\d{2,3})", norm)
        return f"{area.group(1)}-********" if area and len(digits) > 8 else MASK * 8
    if kind in ("id", "card"):
        return MASK * len(digits)
    if kind == "plate":
        return norm[0] + norm[1] + "·*****"
    if kind == "email":
        return "***@" + norm.split("@", 1)[1]
    if kind == "address":
        return MASK * min(max(len(norm), 1), 3)
    return MASK * len(original)


def segments(text: str, *, contact_name: str = "", contact_phone: str = "") -> list[tuple[str, str, str]]:
    """``text`` cut into ``(original, public, kind)`` parts, kind empty for plain parts:
    the moderator's view highlights the masked ones on both sides."""
    parts: list[tuple[str, str, str]] = []
    pos = 0
    for span in find_spans(text, contact_name=contact_name, contact_phone=contact_phone):
        if span.start > pos:
            parts.append((text[pos:span.start], text[pos:span.start], ""))
        chunk = text[span.start:span.end]
        parts.append((chunk, _mask(chunk, span.kind), span.kind))
        pos = span.end
    if pos < len(text or ""):
        parts.append((text[pos:], text[pos:], ""))
    return parts


def redact(text: str, *, contact_name: str = "", contact_phone: str = "") -> str:
    """The public version of ``text``: identifying numbers, names and exact addresses masked."""
    if not text:
        return ""
    return "".join(public for _, public, _ in segments(text, contact_name=contact_name, contact_phone=contact_phone))


def redact_for(appeal, text: str) -> str:
    """``redact`` with the appeal's own contact name and phone: every public path uses this."""
    return redact(text, contact_name=appeal.contact_name, contact_phone=appeal.contact_phone)


__all__ = ["KINDS", "MASK", "Span", "find_spans", "redact", "redact_for", "segments"]
