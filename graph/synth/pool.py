"""The pool synth draws from: regions, countries and capitals, donors and their bodies, EU bodies and
instruments, recipient institutions — invented names in realistic variety (clearly synthetic data)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


def slug(text: str) -> str:
    """ASCII lower-case words joined by hyphens ('Türkiye' → 'turkiye')."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join("".join(c if c.isalnum() else " " for c in ascii_text.lower()).split())




# ---------------------------------------------------------------------- the pool of organisations and places
_REGIONS = (
    "europe:Europe:; africa:Africa:; middle-east-and-north-africa:Middle East and North Africa:; "
    "asia-and-the-pacific:Asia and the Pacific:; latin-america:Latin America and the Caribbean:; "
    "western-balkans:Western Balkans:europe; eastern-partnership:Eastern Partnership:europe; "
    "north-africa:North Africa:middle-east-and-north-africa; sahel:Sahel:africa; west-africa:West Africa:africa; "
    "horn-of-africa:Horn of Africa:africa; central-asia:Central Asia:asia-and-the-pacific; "
    "south-asia:South Asia:asia-and-the-pacific; central-america:Central America:latin-america"
)
_BENEFICIARIES = (  # name:ISO 3166 code:currency:region:capital
    "Montenegro:ME:EUR:western-balkans:Podgorica; Serbia:RS:RSD:western-balkans:Belgrade; "
    "Albania:AL:ALL:western-balkans:Tirana; North Macedonia:MK:MKD:western-balkans:Skopje; "
    "Bosnia and Herzegovina:BA:BAM:western-balkans:Sarajevo; Moldova:MD:MDL:eastern-partnership:Chișinău; "
    "Ukraine:UA:UAH:eastern-partnership:Kyiv; Georgia:GE:GEL:eastern-partnership:Tbilisi; "
    "Armenia:AM:AMD:eastern-partnership:Yerevan; Türkiye:TR:TRY:europe:Ankara; Morocco:MA:MAD:north-africa:Rabat; "
    "Tunisia:TN:TND:north-africa:Tunis; Libya:LY:LYD:north-africa:Tripoli; Egypt:EG:EGP:north-africa:Cairo; "
    "Niger:NE:XOF:sahel:Niamey; Mali:ML:XOF:sahel:Bamako; Chad:TD:XAF:sahel:N'Djamena; "
    "Senegal:SN:XOF:west-africa:Dakar; Nigeria:NG:NGN:west-africa:Abuja; Ghana:GH:GHS:west-africa:Accra; "
    "Ethiopia:ET:ETB:horn-of-africa:Addis Ababa; Somalia:SO:SOS:horn-of-africa:Mogadishu; "
    "Kenya:KE:KES:horn-of-africa:Nairobi; Sudan:SD:SDG:horn-of-africa:Khartoum; "
    "Kazakhstan:KZ:KZT:central-asia:Astana; Kyrgyzstan:KG:KGS:central-asia:Bishkek; "
    "Tajikistan:TJ:TJS:central-asia:Dushanbe; Uzbekistan:UZ:UZS:central-asia:Tashkent; "
    "Afghanistan:AF:AFN:south-asia:Kabul; Pakistan:PK:PKR:south-asia:Islamabad; Bangladesh:BD:BDT:south-asia:Dhaka; "
    "Sri Lanka:LK:LKR:south-asia:Colombo; Guatemala:GT:GTQ:central-america:Guatemala City; "
    "Honduras:HN:HNL:central-america:Tegucigalpa; El Salvador:SV:USD:central-america:San Salvador; "
    "Mexico:MX:MXN:central-america:Mexico City"
)
_DONORS = (  # name:currency
    "United States:USD; Germany:EUR; Sweden:SEK; Norway:NOK; Denmark:DKK; Switzerland:CHF; United Kingdom:GBP; "
    "Netherlands:EUR; Japan:JPY; Canada:CAD; Australia:AUD; Austria:EUR; Italy:EUR; France:EUR; Romania:RON; "
    "Czechia:CZK; Poland:PLN; Hungary:HUF; Finland:EUR; Belgium:EUR; Republic of Korea:KRW; Ireland:EUR"
)
_DONOR_BODIES = (  # key, class, label, parent key  ({} = the country)
    ("government-of-{}", "Government", "Government of {}", ""),
    ("mfa-{}", "Ministry", "Ministry of Foreign Affairs of {}", "government-of-{}"),
    ("development-agency-{}", "GovernmentAgency", "Development Cooperation Agency of {}", "mfa-{}"),
    ("migration-department-{}", "GovernmentUnit", "Department for Migration and Humanitarian Affairs of {}", "mfa-{}"),
    ("interior-{}", "Ministry", "Ministry of the Interior of {}", "government-of-{}"),
)
INSTITUTIONS = (
    ("government-of-{}", "Government", "Government of {}", ""),
    ("interior-{}", "Ministry", "Ministry of Interior of {}", "government-of-{}"),
    ("police-directorate-{}", "GovernmentUnit", "Police Directorate of {}", "interior-{}"),
    ("border-police-{}", "PoliceUnit", "Border Police of {}", "police-directorate-{}"),
    ("interpol-ncb-{}", "PoliceUnit", "National Central Bureau of Interpol in {}", "police-directorate-{}"),
    ("justice-{}", "Ministry", "Ministry of Justice of {}", "government-of-{}"),
    ("prosecutor-{}", "ProsecutorsOffice", "Supreme State Prosecutor's Office of {}", ""),
    ("organised-crime-prosecutor-{}", "ProsecutorsOffice", "Special Prosecutor's Office for Organised Crime of {}",
     "prosecutor-{}"),
    ("labour-{}", "Ministry", "Ministry of Labour and Social Welfare of {}", "government-of-{}"),
    ("anti-trafficking-office-{}", "GovernmentUnit", "Office for Combating Trafficking in Human Beings of {}",
     "government-of-{}"),
    ("iom-{}", "CountryOffice", "IOM {}", "iom"),
    ("eu-delegation-{}", "EUBody", "Delegation of the European Union to {}", "european-union"),
)
_FIXED = (  # key|class|label|alt|parent|instrument of|country|currency|former name
    "iom|IntergovernmentalOrganization|International Organization for Migration|IOM|||switzerland|USD|",
    "iom-development-fund|Fund|IOM Development Fund|IDF||iom||USD|1035 Facility",
    "unhcr|IntergovernmentalOrganization|Office of the United Nations High Commissioner for Refugees|UNHCR|||"
    "switzerland|USD|",
    "unodc|IntergovernmentalOrganization|United Nations Office on Drugs and Crime|UNODC|||austria|USD|",
    "osce|IntergovernmentalOrganization|Organization for Security and Co-operation in Europe|OSCE|||austria|EUR|",
    "icmpd|IntergovernmentalOrganization|International Centre for Migration Policy Development|ICMPD|||austria|EUR|",
    "european-union|SupranationalUnion|European Union|EU|||belgium|EUR|",
    "european-commission|EUBody|European Commission|EC|european-union||belgium|EUR|",
    "dg-near|EUBody|Directorate-General for Neighbourhood and Enlargement Negotiations|DG NEAR|european-commission||"
    "belgium|EUR|",
    "dg-home|EUBody|Directorate-General for Migration and Home Affairs|DG HOME|european-commission||belgium|EUR|",
    "frontex|EUBody|European Border and Coast Guard Agency|Frontex|european-union||poland|EUR|",
    "ipa-ii|FundingInstrument|Instrument for Pre-accession Assistance II|IPA II||european-union||EUR|",
    "ipa-iii|FundingInstrument|Instrument for Pre-accession Assistance III|IPA III||european-union||EUR|",
    "ndici|FundingInstrument|Neighbourhood, Development and International Cooperation Instrument – Global Europe|"
    "NDICI-Global Europe||european-union||EUR|",
    "amif|Fund|Asylum, Migration and Integration Fund|AMIF||european-union||EUR|",
    "eutf-africa|Fund|EU Emergency Trust Fund for Africa|EUTF for Africa||european-commission||EUR|",
)


@dataclass(frozen=True)
class Entity:
    """An organisation, funding instrument or place of the pool; `parent` is org:subOrganizationOf / locatedIn."""

    key: str
    kind: str
    label: str
    folder: str = "orgs"
    alt: str = ""
    parent: str = ""
    instrument_of: str = ""
    country: str = ""
    currency: str = "USD"
    former: str = ""


@dataclass(frozen=True)
class Country:
    """A country projects benefit: its region, capital, currency and the keys of its institutions."""

    key: str
    name: str
    iso2: str
    currency: str
    region: str
    capital: str


@dataclass
class Pool:
    """Every organisation and place synth may use, in a fixed order, and who can fund or partner."""

    entities: dict[str, Entity]
    countries: list[Country]
    funders: list[str]
    partners: tuple[str, ...] = ("unhcr", "unodc", "osce", "icmpd", "frontex")


def build_pool() -> Pool:
    """The pool: regions, countries and capitals; EU bodies and instruments; donor and recipient institutions."""
    pool = Pool({}, [], ["iom-development-fund", "dg-near", "dg-home", "ipa-ii", "ipa-iii", "ndici", "amif",
                         "eutf-africa"])
    add = pool.entities.setdefault
    for item in _REGIONS.split("; "):
        key, label, parent = item.split(":")
        add(key, Entity(key, "Region", label, "place", parent=parent))
    for index, item in enumerate(_DONORS.split("; ")):
        name, currency = item.split(":")
        key = slug(name)
        add(key, Entity(key, "Country", name, "place"))
        for org_key, kind, label, parent in _DONOR_BODIES:
            add(org_key.format(key), Entity(org_key.format(key), kind, label.format(name), parent=parent.format(key),
                                            country=key, currency=currency))
            if kind != "Government":
                pool.funders.append(org_key.format(key))
        if index % 3 == 0:
            fund = f"migration-fund-{key}"
            add(fund, Entity(fund, "Fund", f"Migration Partnership Fund of {name}", instrument_of=f"mfa-{key}",
                             currency=currency))
            pool.funders.append(fund)
    for line in _FIXED:
        key, kind, label, alt, parent, instrument, country, currency, former = line.split("|")
        add(key, Entity(key, kind, label, "orgs", alt, parent, instrument, country, currency, former))
    for item in _BENEFICIARIES.split("; "):
        name, iso2, currency, region, capital = item.split(":")
        key = slug(name)
        add(key, Entity(key, "Country", name, "place", parent=region))
        add(slug(capital), Entity(slug(capital), "City", capital, "place", parent=key))
        pool.countries.append(Country(key, name, iso2, currency, region, slug(capital)))
        for org_key, kind, label, parent in INSTITUTIONS:
            add(org_key.format(key), Entity(org_key.format(key), kind, label.format(name), parent=parent.format(key),
                                            country=key, currency=currency))
    return pool
