"""Deterministic synthetic people for the demo and the scale seed: names, phones, valid ID numbers.

Written for speed (the seed makes millions): rng.random() and integer arithmetic rather than
randrange/choice, which cost several times more per call.
"""

import random

from gongzhi.core.idnumbers import check_digit

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志强玉兰海燕红梅建华文淑珍春梅丽娟桂兰凤英秀珍丹宁浩宇子涵欣怡梓萱诗涵晨曦嘉怡雨桐一诺"
PREFIXES = ("138", "139", "137", "150", "151", "186", "188", "135")


def person_name(rng: random.Random) -> str:
    r = rng.random
    name = SURNAMES[int(r() * len(SURNAMES))] + GIVEN[int(r() * len(GIVEN))]
    if r() < 0.6:
        name += GIVEN[int(r() * len(GIVEN))]
    return name


def phone(rng: random.Random) -> str:
    return PREFIXES[int(rng.random() * len(PREFIXES))] + f"{int(rng.random() * 10**8):08d}"


def id_number(rng: random.Random, region: str = "410502") -> str:
    """An 18-character number with a correct GB 11643 check digit (synthetic, not a real person's)."""
    r = rng.random
    body = f"{region}{1940 + int(r() * 65)}{1 + int(r() * 12):02d}{1 + int(r() * 28):02d}{int(r() * 1000):03d}"
    return body + check_digit(body)
