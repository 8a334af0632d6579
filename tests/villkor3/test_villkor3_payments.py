"""Villkor 3 payment rules, on scenarios computed by hand (caps that bind, redistribution
that needs more than one round, rounding to whole kronor)."""
from __future__ import annotations

from fractions import Fraction

import pytest

from indikatorer.villkor3.payments import (contact_payments, largest_remainder, population_share_payments,
                                           round_to_total)


def test_largest_remainder_hand_computed():
    # 10 kr by 2:1 -> 6.67 / 3.33 -> 7 / 3
    assert largest_remainder({"A": 2, "B": 1}, 10) == {"A": 7, "B": 3}
    # 100 by 1:1:1 -> 33.33 each: the one unit left goes to the first key (tie rule)
    assert largest_remainder({"A": 1, "B": 1, "C": 1}, 100) == {"A": 34, "B": 33, "C": 33}
    # 4 units by 4:3:3 -> quotas 1.6, 1.2, 1.2: floors 1, 1, 1; the unit left goes to A (remainder 0.6)
    assert largest_remainder({"A": 4, "B": 3, "C": 3}, 4) == {"A": 2, "B": 1, "C": 1}
    # 1 unit by 45:45:10 -> quotas 0.45, 0.45, 0.10: A and B tie on remainder and weight -> the first key, A
    assert largest_remainder({"A": 45, "B": 45, "C": 10}, 1) == {"A": 1, "B": 0, "C": 0}
    # plain rounding would give 3 + 3 + 3 = 9 of 10 (3.33 each): the total is kept
    parts = largest_remainder({"A": 1, "B": 1, "C": 1}, 10)
    assert sum(parts.values()) == 10 and sorted(parts.values()) == [3, 3, 4]


def test_largest_remainder_beats_independent_rounding():
    # 0.5 / 0.5 of 1 krona: rounding each gives 0 + 0 (or 1 + 1); largest remainder gives 1 + 0
    assert sum(largest_remainder({"A": 1, "B": 1}, 1).values()) == 1
    # remainders 0.6, 0.6, 0.8 (of 5 kr by 1.6 : 1.6 : 1.8): floors 1, 1, 1, two left -> C, then A
    assert largest_remainder({"A": 16, "B": 16, "C": 18}, 5) == {"A": 2, "B": 1, "C": 2}


def test_round_to_total_refuses_inconsistent_totals():
    with pytest.raises(ValueError):
        round_to_total({"A": Fraction(1, 2), "B": Fraction(1, 3)})        # 5/6 is no whole number
    with pytest.raises(ValueError):
        round_to_total({"A": 1, "B": 2}, 4)
    with pytest.raises(ValueError):
        largest_remainder({"A": 0}, 10)


def test_population_share_payments_sum_exactly():
    pops = {"01": 2374550, "03": 383044, "09": 59636, "19": 275634}
    pay = population_share_payments(pops, 500_000_000)
    assert sum(pay.values()) == 500_000_000
    for r, p in pops.items():
        exact = Fraction(500_000_000 * p, sum(pops.values()))
        assert pay[r] in (int(exact), int(exact) + 1)


def test_contacts_all_claims_fit_no_cap_binds():
    # pot 30 000, 3 000 per contact; caps (pop 5:3:2) 15 000 / 9 000 / 6 000; claims 6 000 / 9 000 / 3 000
    r = contact_payments({"A": 2, "B": 3, "C": 1}, {"A": 50, "B": 30, "C": 20}, pot=30_000)
    assert r.amounts == {"A": 6_000, "B": 9_000, "C": 3_000}
    assert r.paid == 18_000 and r.unused == 12_000 and r.rounds == 0


def test_contacts_caps_bind_excess_contacts_key():
    # pot 30 000; caps 15 000 / 9 000 / 6 000; claims A 6 000, B 15 000, C 12 000.
    # first: A 6 000, B 9 000 (capped), C 6 000 (capped); unused 9 000.
    # B and C each have 6 000 unpaid -> 4 500 each: B 13 500, C 10 500.
    r = contact_payments({"A": 2, "B": 5, "C": 4}, {"A": 50, "B": 30, "C": 20}, pot=30_000,
                         key="excess_contacts")
    assert r.amounts == {"A": 6_000, "B": 13_500, "C": 10_500}
    assert r.paid == 30_000 and r.unused == 0 and r.rounds == 1
    assert r.caps == {"A": 15_000, "B": 9_000, "C": 6_000}


def test_contacts_caps_bind_population_key():
    # same; the 9 000 unused shared 30:20 -> B +5 400, C +3 600: B 14 400, C 9 600 (both below claims)
    r = contact_payments({"A": 2, "B": 5, "C": 4}, {"A": 50, "B": 30, "C": 20}, pot=30_000, key="population")
    assert r.amounts == {"A": 6_000, "B": 14_400, "C": 9_600}
    assert r.paid == 30_000


def test_contacts_redistribution_needs_a_second_round():
    # pot 30 000; pops 60:30:10 -> caps 18 000 / 9 000 / 3 000; contacts 0 / 4 / 10 -> claims 0 / 12 000 / 30 000.
    # first: A 0, B 9 000, C 3 000; unused 18 000, shared by population 30:10 -> B +13 500, C +4 500;
    # B can take only 3 000 more (12 000 = 3 000 x 4): B 12 000, C 7 500; 10 500 left;
    # second round: only C -> C 18 000. Total 30 000, nobody above 3 000 x contacts.
    r = contact_payments({"A": 0, "B": 4, "C": 10}, {"A": 60, "B": 30, "C": 10}, pot=30_000, key="population")
    assert r.amounts == {"A": 0, "B": 12_000, "C": 18_000}
    assert r.rounds == 2 and r.paid == 30_000
    # by excess contacts: 18 000 shared 3 000 : 27 000 -> B +1 800, C +16 200 in one round
    r = contact_payments({"A": 0, "B": 4, "C": 10}, {"A": 60, "B": 30, "C": 10}, pot=30_000)
    assert r.amounts == {"A": 0, "B": 10_800, "C": 19_200}
    assert r.rounds == 1


def test_contacts_everyone_above_cap_pot_exhausted_exactly():
    # pot 10 000, equal populations -> caps 3 333.33 each; contacts 0 / 2 / 5 -> claims 0 / 6 000 / 15 000.
    # first: B 3 333.33, C 3 333.33; unused 3 333.33 shared by unpaid 2 666.67 : 11 666.67 (8 : 35):
    # B = 10 000/3 x 51/43 = 3 953.49, C = 10 000/3 x 78/43 = 6 046.51 -> whole kronor 3 953 + 6 047.
    r = contact_payments({"A": 0, "B": 2, "C": 5}, {"A": 1, "B": 1, "C": 1}, pot=10_000)
    assert r.exact["B"] == Fraction(510_000, 129) and r.exact["C"] == Fraction(780_000, 129)
    assert r.amounts == {"A": 0, "B": 3_953, "C": 6_047}
    assert sum(r.amounts.values()) == 10_000
    # by population: the 3 333.33 halves -> 5 000 each
    r = contact_payments({"A": 0, "B": 2, "C": 5}, {"A": 1, "B": 1, "C": 1}, pot=10_000, key="population")
    assert r.amounts == {"A": 0, "B": 5_000, "C": 5_000}


def test_contacts_never_above_claims_even_when_pot_is_left():
    # caps 5 000 each; claims 3 000 and 9 000: B capped at 5 000, then gets A's 2 000 unused -> 7 000
    # (A 3 000 + B 7 000 = the whole pot; B stays below its claim of 9 000)
    r = contact_payments({"A": 1, "B": 3}, {"A": 1, "B": 1}, pot=10_000)
    assert r.amounts == {"A": 3_000, "B": 7_000}
    # with B only 2 contacts (6 000) both fit: 3 000 + 6 000, 1 000 unused
    r = contact_payments({"A": 1, "B": 2}, {"A": 1, "B": 1}, pot=10_000)
    assert r.amounts == {"A": 3_000, "B": 6_000} and r.unused == 1_000


def test_region_without_report_gets_nothing_and_frees_its_cap():
    # C did not report (None): its cap (1/3 of 9 000) is redistributed to B, who is above its cap
    r = contact_payments({"A": 1, "B": 2, "C": None}, {"A": 1, "B": 1, "C": 1}, pot=9_000)
    # caps 3 000 each; A 3 000 (claim 3 000), B 3 000 (claim 6 000, capped), C 0; unused 3 000 -> B 6 000
    assert r.amounts == {"A": 3_000, "B": 6_000, "C": 0}


def test_contacts_without_population():
    r = contact_payments({"A": 1, "B": 2}, None, pot=10_000)
    assert r.amounts == {"A": 3_000, "B": 6_000} and r.notes
    with pytest.raises(ValueError, match="populations are needed"):
        contact_payments({"A": 2, "B": 2}, None, pot=10_000)
    with pytest.raises(ValueError, match="unknown redistribution key"):
        contact_payments({"A": 1}, {"A": 1}, key="lottery")


def test_2020_contact_payments_no_cap_binds():
    # Bilaga 1: 3 000 x contacts for every region, 15 192 000 in all (5 064 contacts)
    contacts = {"01": 2773, "07": 203, "12": 0, "09": None, "03": 2}
    pops = {"01": 2374550, "07": 201290, "12": 1376659, "09": 59636, "03": 383044}
    r = contact_payments(contacts, pops)
    assert r.amounts == {"01": 8_319_000, "07": 609_000, "12": 0, "09": 0, "03": 6_000}
