"""Villkor 3 payments (2020 agreement, "Redovisnings- och utbetalningskrav"), as pure functions.

* 500 MSEK by population share: "Respektive regions andel av det utbetalda beloppet ska
  motsvara regionens andel i förhållande till befolkningens mängd den 1 november 2019" —
  every region's share of the whole population (all ages), in whole kronor that add up
  exactly to the total (largest-remainder method).
* 50 MSEK for contacts: 3 000 kr per patient whose treatment included a contact with the
  employer or Arbetsförmedlingen; "Respektive regions andel … motsvarar högst regionens andel
  i förhållande till befolkningens mängd" (a cap per region: its population share of the
  pot); "Medel som ej förbrukats … ska fördelas till de regioner som har tagit fler kontakter
  än vad de får ersättning för utifrån sin befolkningsandel. Det är dock inte möjligt att få
  högre ersättning än vad som motsvarar antalet genomförda kontakter."

The agreement does not say in what proportion the unused funds are shared among the regions
above their cap; ``key`` names the choice:

* ``excess_contacts`` (default): in proportion to each region's unpaid claim
  (3 000 × contacts − what it has been paid so far), so every contact that the caps left
  unpaid gets the same part of its 3 000 kr;
* ``population``: in proportion to the regions' populations (the agreement's key for
  everything else).

Either way the redistribution is repeated until nothing changes: a region that reaches
3 000 × contacts drops out and what it could not take goes round again.

Amounts are computed exactly (``fractions.Fraction``) and rounded once, at the end, to whole
kronor by the largest-remainder method, so they add up exactly to what is paid out."""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Hashable, Mapping, TypeVar

K = TypeVar("K", bound=Hashable)

KEYS = ("excess_contacts", "population")


def round_to_total(amounts: Mapping[K, Fraction | int], total: int | None = None) -> dict[K, int]:
    """Whole numbers, each the floor or the ceiling of its amount, that add up to ``total``
    (default: the sum of the amounts, which must then be a whole number): the largest-
    remainder (Hamilton) method. The units left after flooring go to the largest remainders;
    ties go to the larger amount, then to the key that comes first."""
    exact = {k: Fraction(v) for k, v in amounts.items()}
    if any(v < 0 for v in exact.values()):
        raise ValueError("amounts must be >= 0")
    want = sum(exact.values(), Fraction(0))
    if total is None:
        if want.denominator != 1:
            raise ValueError("the amounts do not add up to a whole number; give `total`")
        total = int(want)
    if want != total:
        raise ValueError(f"the amounts add up to {float(want)}, not {total}")
    floors = {k: v.numerator // v.denominator for k, v in exact.items()}
    left = total - sum(floors.values())
    order = list(exact)
    ranked = sorted(order, key=lambda k: (-(exact[k] - floors[k]), -exact[k], order.index(k)))
    out = dict(floors)
    for k in ranked[:left]:
        out[k] += 1
    return out


def largest_remainder(weights: Mapping[K, int | Fraction], total: int) -> dict[K, int]:
    """Split ``total`` whole units in proportion to ``weights``; the parts add up to ``total``
    exactly (see ``round_to_total`` for the rounding and its tie rule)."""
    if total < 0:
        raise ValueError("total must be >= 0")
    w = {k: Fraction(v) for k, v in weights.items()}
    if any(v < 0 for v in w.values()):
        raise ValueError("weights must be >= 0")
    s = sum(w.values(), Fraction(0))
    if s == 0:
        raise ValueError("the weights add up to 0")
    return round_to_total({k: total * v / s for k, v in w.items()}, total)


def population_share_payments(populations: Mapping[K, int], total: int = 500_000_000) -> dict[K, int]:
    """The population-share payment: each region's share of ``total`` in proportion to its
    population, in whole kronor adding up exactly to ``total``."""
    return largest_remainder(populations, total)


@dataclass
class ContactPayments:
    amounts: dict                      # region -> whole kronor paid
    exact: dict                        # region -> Fraction before rounding
    claims: dict                       # region -> per_contact × contacts
    caps: dict                         # region -> population share of the pot (Fraction); {} without population
    rounds: int                        # redistribution rounds until stable
    paid: int                          # sum of amounts
    unused: int                        # pot - paid
    notes: list[str] = field(default_factory=list)


def contact_payments(contacts: Mapping[K, int | None], populations: Mapping[K, int] | None, *,
                     pot: int = 50_000_000, per_contact: int = 3_000, key: str = "excess_contacts",
                     max_rounds: int = 1000) -> ContactPayments:
    """The contact payment of every region in ``contacts`` (None = not reported: paid 0).

    ``populations`` gives the caps (each region's population share of ``pot``, the shares
    taken of the sum of ``populations``, i.e. pass every region of the country). Without
    populations the caps are unknown; that is only allowed when all claims fit in the pot,
    for then no cap can bind once the unused funds are redistributed."""
    if key not in KEYS:
        raise ValueError(f"unknown redistribution key `{key}` (have: {', '.join(KEYS)})")
    if pot < 0 or per_contact < 0:
        raise ValueError("pot and per_contact must be >= 0")
    claims: dict = {}
    for region, n in contacts.items():
        if n is not None and n < 0:
            raise ValueError(f"{region}: negative number of contacts")
        claims[region] = per_contact * int(n or 0)
    total_claims = sum(claims.values())
    if populations is None:
        if total_claims > pot:
            raise ValueError("the claims exceed the pot: populations are needed for the caps")
        exact = {r: Fraction(c) for r, c in claims.items()}
        return ContactPayments(dict(claims), exact, claims, {}, 0, total_claims, pot - total_claims,
                               ["no population: every claim fits in the pot, so no cap binds"])
    missing = [r for r in claims if r not in populations]
    if missing:
        raise ValueError(f"no population for {', '.join(map(str, missing))}")
    pop_total = sum(int(p) for p in populations.values())
    if pop_total <= 0:
        raise ValueError("the populations add up to 0")
    caps = {r: Fraction(pot * int(populations[r]), pop_total) for r in claims}
    pay = {r: min(Fraction(claims[r]), caps[r]) for r in claims}
    rounds = 0
    while True:
        unused = pot - sum(pay.values(), Fraction(0))
        eligible = [r for r in claims if claims[r] > pay[r]]
        if unused <= 0 or not eligible:
            break
        if rounds >= max_rounds:
            raise RuntimeError("contact payments: redistribution did not become stable")
        rounds += 1
        if key == "excess_contacts":
            weights = {r: claims[r] - pay[r] for r in eligible}
        else:
            weights = {r: Fraction(int(populations[r])) for r in eligible}
        wsum = sum(weights.values(), Fraction(0))
        if wsum == 0:          # only regions of population 0 are left: share by unpaid claims
            weights = {r: claims[r] - pay[r] for r in eligible}
            wsum = sum(weights.values(), Fraction(0))
        for r in eligible:
            pay[r] = min(Fraction(claims[r]), pay[r] + unused * weights[r] / wsum)
    paid_exact = sum(pay.values(), Fraction(0))
    # Either the pot is used up (a whole number) or every claim is paid in full (whole numbers).
    amounts = round_to_total(pay, int(round(paid_exact)))
    paid = sum(amounts.values())
    return ContactPayments(amounts, pay, claims, caps, rounds, paid, pot - paid)
