//! Every word of the clerk's live view and the admin view, in Finnish,
//! Swedish and English.
//!
//! One table per language, as for the kiosk (`ui/strings.rs`), so a
//! missing translation is a compile error. Texts with figures in them are
//! templates: each `{}` takes the next argument of [`fill`]. Counts come
//! as pairs `[one, many]`, picked by [`ViewTexts::count`].

use crate::core::survey::Lang;

/// The live and admin views' texts in one language.
pub struct ViewTexts {
    // --- The live view --------------------------------------------------
    /// "Live tally · {title}".
    pub live_title: &'static str,
    pub owns_store: &'static str,
    /// "live through {owner}".
    pub live_through: &'static str,
    /// "{owner} stopped · r reconnects".
    pub owner_stopped: &'static str,
    pub responses: [&'static str; 2],
    /// "{n} today".
    pub today: &'static str,
    pub partial_counted: [&'static str; 2],
    pub partial_left_out: [&'static str; 2],
    pub suspect_counted: [&'static str; 2],
    pub suspect_left_out: [&'static str; 2],
    /// "{pct} % of {population}".
    pub rate_of: &'static str,
    /// "last {time}".
    pub last: &'static str,
    /// "Responses per hour, last {h} h (most in an hour: {peak})".
    pub per_hour: &'static str,
    /// "Please enlarge the terminal to at least {w}×{h} (now {w}×{h})."
    pub enlarge_to: &'static str,
    pub no_texts: &'static str,
    /// "By {question} and {period}", "By {question}", "Per {period}".
    pub by_and_per: &'static str,
    pub by: &'static str,
    pub per: &'static str,
    /// Day, week, month, year.
    pub periods: [&'static str; 4],
    /// The margin rows: every group (or period), and no answer to `by`.
    pub all: &'static str,
    pub no_group: &'static str,
    /// "Rows {first}–{last} of {n}".
    pub rows_of: &'static str,
    pub counting: &'static str,
    /// "Cannot reconnect: {error}".
    pub cannot_reconnect: &'static str,
    /// "Cannot count: {error}".
    pub cannot_count: &'static str,
    // Key labels of the live view's footer (`ui/live/keys.rs`).
    pub key_question: &'static str,
    pub key_by: &'static str,
    pub key_period: &'static str,
    pub key_texts: &'static str,
    pub key_bars: &'static str,
    pub key_rows: &'static str,
    pub key_reload: &'static str,
    pub key_quit: &'static str,
    // Figures: question types and key figures.
    /// rating, nps, yesno, choice, multi, ranking, number, text.
    pub types: [(&'static str, &'static str); 8],
    pub mean: &'static str,
    pub median: &'static str,
    pub top2: &'static str,
    pub min: &'static str,
    pub max: &'static str,
    pub yes: &'static str,
    /// "(promoters {}, passives {}, detractors {})".
    pub nps_bands: &'static str,
    pub answers: [&'static str; 2],
    // --- The admin view -------------------------------------------------
    /// "kioski admin · terminal {name}".
    pub admin_title: &'static str,
    /// "owns the store (no kiosk runs on it)".
    pub admin_owns: &'static str,
    /// "through {owner}".
    pub admin_through: &'static str,
    pub enlarge: &'static str,
    /// "Admin PIN: {dots}".
    pub pin_prompt: &'static str,
    /// "Too many wrong PINs. Try again in {s} s."
    pub pin_try_again: &'static str,
    pub pin_wrong: &'static str,
    pub pin_hint: &'static str,
    /// "Too many wrong PINs: locked for {s} s."
    pub pin_locked: &'static str,
    /// "Too many wrong PINs (here or at the kiosk): locked for {s} s more."
    pub pin_locked_more: &'static str,
    /// "Cannot check the PIN: {error}."
    pub pin_cannot_check: &'static str,
    pub no_pin: &'static str,
    /// ID, TITLE, VERSIONS, COMPLETE, PARTIAL, SUSPECT.
    pub columns: [&'static str; 6],
    pub no_surveys: &'static str,
    pub active_means: &'static str,
    pub prompt_keys: &'static str,
    pub list_keys: &'static str,
    pub load_title: &'static str,
    /// Export prompts: `{}` survey id, then (for `export_as`) the format.
    pub export_as: &'static str,
    pub export_codebook: &'static str,
    pub export_report: &'static str,
    pub bundle_title: &'static str,
    pub import_title: &'static str,
    /// `{}` the file.
    pub replace_ask: &'static str,
    pub kept_file: &'static str,
    pub name_title: &'static str,
    /// "Reached the store again: {source}."
    pub reached_again: &'static str,
    pub owner_went: &'static str,
    /// "Cannot list the surveys: {error}."
    pub cannot_list: &'static str,
    /// "Cannot activate `{id}`: {error}."
    pub cannot_activate: &'static str,
    /// "Cannot set the terminal name: {error}; nothing was changed."
    pub cannot_name_unchanged: &'static str,
    /// "This terminal is now `{name}` (...)".
    pub named: &'static str,
    /// "Cannot set the terminal name: {error}."
    pub cannot_name: &'static str,
    /// "Cannot read {file}: {error}." / "Cannot load {file}: {error}."
    pub cannot_read: &'static str,
    pub cannot_load: &'static str,
    /// "`{id}` is now active; the kiosk shows it from its next welcome screen."
    pub activated: &'static str,
    /// "`{id}` is now active; the running kiosk ... --survey {shown} ..."
    pub activated_kept: &'static str,
    /// "{file} is not valid; nothing was loaded:"
    pub load_invalid: &'static str,
    /// "{file}: loaded as `{id}` version {n} ({hash})" / "unchanged: ...".
    pub loaded: &'static str,
    pub unchanged: &'static str,
    pub now_active: &'static str,
    // The prize-draw screen.
    /// "`{survey}` has no prize-draw entries."
    pub prize_no_entries: &'static str,
    /// "Prize draw of `{survey}`".
    pub prize_title: &'static str,
    pub prize_entries: &'static str,
    pub prize_none: &'static str,
    /// "Winners: {n} (↑↓ to change)".
    pub prize_winners: &'static str,
    pub prize_seed_empty: &'static str,
    /// "Seed: {seed}".
    pub prize_seed: &'static str,
    /// "Delete the {n} prize-draw entries of `{survey}` for good? ..."
    pub prize_confirm: &'static str,
    pub prize_keys: &'static str,
    /// "Deleted {n} prize-draw entries of `{survey}`."
    pub prize_deleted: [&'static str; 2],
    pub prize_kept: &'static str,
    /// "Cannot read the prize draw: {error}." / "Cannot purge ...".
    pub prize_cannot_read: &'static str,
    pub prize_cannot_purge: &'static str,
    /// "Entries digest: {digest}".
    pub prize_digest: &'static str,
    /// "Drew {k} of {n} entries:".
    pub prize_drew: &'static str,
    /// "Check it with: {command}".
    pub prize_check: &'static str,
}

/// `template` with each `{}` replaced by the next of `args` (a missing
/// argument leaves the `{}` out).
pub fn fill(template: &str, args: &[&dyn std::fmt::Display]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut args = args.iter();
    let mut rest = template;
    while let Some(i) = rest.find("{}") {
        out.push_str(&rest[..i]);
        if let Some(a) = args.next() {
            out.push_str(&a.to_string());
        }
        rest = &rest[i + 2..];
    }
    out.push_str(rest);
    out
}

impl ViewTexts {
    pub fn of(lang: Lang) -> &'static ViewTexts {
        match lang {
            Lang::Fi => &FI,
            Lang::Sv => &SV,
            Lang::En => &EN,
        }
    }

    /// "1 response", "3 responses" in this language: `forms` is `[one,
    /// many]`, each a template taking the count.
    pub fn count(forms: [&'static str; 2], n: impl Into<i128>) -> String {
        let n = n.into();
        fill(forms[usize::from(n != 1)], &[&n])
    }

    /// A period's name (`day`, `week`, ...) in this language.
    pub fn period(&self, p: crate::core::tally::Period) -> &'static str {
        use crate::core::tally::Period;
        match p {
            Period::Day => self.periods[0],
            Period::Week => self.periods[1],
            Period::Month => self.periods[2],
            Period::Year => self.periods[3],
        }
    }

    /// A question type's name (as `type_name` gives it) in this language.
    pub fn type_name(&self, name: &str) -> String {
        self.types
            .iter()
            .find(|(k, _)| *k == name)
            .map_or_else(|| name.to_owned(), |(_, v)| (*v).to_owned())
    }
}

const TYPE_KEYS: [&str; 8] = [
    "rating", "nps", "yesno", "choice", "multi", "ranking", "number", "text",
];

const fn types(words: [&'static str; 8]) -> [(&'static str, &'static str); 8] {
    let mut out = [("", ""); 8];
    let mut i = 0;
    while i < 8 {
        out[i] = (TYPE_KEYS[i], words[i]);
        i += 1;
    }
    out
}

static FI: ViewTexts = ViewTexts {
    live_title: "Reaaliaikainen tulos · {}",
    owns_store: "tämä näkymä omistaa tietovaraston",
    live_through: "reaaliajassa: {}",
    owner_stopped: "{} pysähtyi · r yhdistää uudelleen",
    responses: ["{} vastaus", "{} vastausta"],
    today: "{} tänään",
    partial_counted: ["{} keskeneräinen mukana", "{} keskeneräistä mukana"],
    partial_left_out: ["{} keskeneräinen pois", "{} keskeneräistä pois"],
    suspect_counted: ["{} epäilyttävä mukana", "{} epäilyttävää mukana"],
    suspect_left_out: ["{} epäilyttävä pois", "{} epäilyttävää pois"],
    rate_of: "{} % / {}",
    last: "viimeisin {}",
    per_hour: "Vastauksia tunnissa, viimeiset {} h (enintään tunnissa: {})",
    enlarge_to: "Suurenna pääte vähintään kokoon {}×{} (nyt {}×{}).",
    no_texts: "Ei vielä vapaita tekstejä.",
    by_and_per: "Ryhmittäin: {} · {}",
    by: "Ryhmittäin: {}",
    per: "Jaksoittain: {}",
    periods: ["päivä", "viikko", "kuukausi", "vuosi"],
    all: "(kaikki)",
    no_group: "(ei vastausta)",
    rows_of: "Rivit {}–{} / {}",
    counting: "Lasketaan…",
    cannot_reconnect: "Yhteyttä ei saatu uudelleen: {}",
    cannot_count: "Laskenta ei onnistunut: {}",
    key_question: "kysymys",
    key_by: "ryhmä: {}",
    key_period: "jakso: {}",
    key_texts: "tekstit",
    key_bars: "palkit",
    key_rows: "rivit",
    key_reload: "lataa",
    key_quit: "lopeta",
    types: types([
        "arvosana",
        "suositteluindeksi",
        "kyllä/ei",
        "valinta",
        "monivalinta",
        "järjestys",
        "luku",
        "teksti",
    ]),
    mean: "ka.",
    median: "mediaani",
    top2: "2 parh.",
    min: "pienin",
    max: "suurin",
    yes: "kyllä",
    nps_bands: "(suosittelijoita {}, passiivisia {}, arvostelijoita {})",
    answers: ["{} vastaus", "{} vastausta"],
    admin_title: "kioski-ylläpito · pääte {}",
    admin_owns: "omistaa tietovaraston (kioski ei ole käynnissä)",
    admin_through: "kautta: {}",
    enlarge: "Suurenna pääteikkunaa.",
    pin_prompt: "Ylläpitäjän PIN-koodi: {}",
    pin_try_again: "Liian monta väärää PIN-koodia. Yritä uudelleen {} s kuluttua.",
    pin_wrong: "Väärä PIN-koodi.",
    pin_hint: "Kirjoita ylläpitäjän PIN-koodi ja paina Enter (Esc poistuu).",
    pin_locked: "Liian monta väärää PIN-koodia: lukittu {} s.",
    pin_locked_more: "Liian monta väärää PIN-koodia (täällä tai kioskilla): lukittu vielä {} s.",
    pin_cannot_check: "PIN-koodia ei voitu tarkistaa: {}.",
    no_pin: "Ylläpitäjän PIN-koodia ei ole asetettu: kuka tahansa tällä päätteellä voi muuttaa tietovarastoa. Aseta se komennolla `kioski pin set`.",
    columns: [
        "TUNNUS", "OTSIKKO", "VERSIOT", "VALMIIT", "KESKEN", "EPÄILYT",
    ],
    no_surveys: "Ei vielä kyselyitä: lataa kyselytiedosto painamalla o.",
    active_means: "* käytössä: kysely, jonka kioski näyttää",
    prompt_keys: "Enter vahvistaa · Esc peruu · ↑↓ valitse",
    list_keys: "↑↓ valitse · Enter reaaliaikainen tulos · a ota käyttöön · o lataa · e CSV · x Excel-CSV · J JSONL · c koodikirja · R raportti · b paketti · i tuo · n nimi · p arvonta · r päivitä · q lopeta",
    load_title: "Lataa kyselytiedosto (kirjoita polku tai valitse ↑↓)",
    export_as: "Vie `{}` muodossa {} tiedostoon",
    export_codebook: "Vie kyselyn `{}` koodikirja (CSV) tiedostoon",
    export_report: "Kirjoita kyselyn `{}` HTML-raportti tiedostoon",
    bundle_title: "Kirjoita kaikkien vastausten paketti tiedostoon",
    import_title: "Tuo pakettitiedosto (kirjoita polku tai valitse ↑↓)",
    replace_ask: "{} on jo olemassa. Korvataanko se? y korvaa, mikä tahansa muu näppäin säilyttää (y/N)",
    kept_file: "Mitään ei kirjoitettu; {} säilyi ennallaan.",
    name_title: "Tämän päätteen nimi (tallennetaan jokaiseen vastaukseen)",
    reached_again: "Tietovarasto tavoitettiin taas: {}.",
    owner_went: "Tietovaraston omistanut kioski pysähtyi; tämä näkymä tavoittaa tietovaraston hetken kuluttua.",
    cannot_list: "Kyselyitä ei voitu luetella: {}.",
    cannot_activate: "Kyselyä `{}` ei voitu ottaa käyttöön: {}.",
    cannot_name_unchanged: "Päätteen nimeä ei voitu asettaa: {}; mitään ei muutettu.",
    named: "Tämän päätteen nimi on nyt `{}` (kioski ottaa sen käyttöön seuraavassa aloitusnäkymässä; --terminal menee edelle).",
    cannot_name: "Päätteen nimeä ei voitu asettaa: {}.",
    cannot_read: "Tiedostoa {} ei voitu lukea: {}.",
    cannot_load: "Tiedostoa {} ei voitu ladata: {}.",
    activated: "`{}` on nyt käytössä; kioski näyttää sen seuraavasta aloitusnäkymästä alkaen.",
    activated_kept: "`{}` on nyt käytössä; käynnissä oleva kioski käynnistettiin valinnalla --survey {} ja näyttää sitä, kunnes se käynnistetään uudelleen.",
    load_invalid: "{} ei kelpaa; mitään ei ladattu:",
    loaded: "{}: ladattiin kyselyksi `{}`, versio {} ({})",
    unchanged: "{}: ennallaan, `{}` versio {} ({})",
    now_active: ", nyt käytössä",
    prize_no_entries: "Kyselyllä `{}` ei ole arvontaosallistujia.",
    prize_title: "Kyselyn `{}` arvonta",
    prize_entries: "Osallistujia kyselyittäin:",
    prize_none: "  ei yhtään",
    prize_winners: "Voittajia: {} (↑↓ muuttaa)",
    prize_seed_empty: "Siemen: (tyhjä: uusi tehdään ja näytetään)",
    prize_seed: "Siemen: {}",
    prize_confirm: "Poistetaanko {} arvontaosallistumista kyselystä `{}` lopullisesti? y poistaa, muu näppäin säilyttää.",
    prize_keys: "kirjoita siemen · Enter arpoo · ↑↓ voittajat · Ctrl-X poistaa · Esc takaisin (unohtaa voittajat)",
    prize_deleted: [
        "Poistettiin {} arvontaosallistuminen kyselystä `{}`.",
        "Poistettiin {} arvontaosallistumista kyselystä `{}`.",
    ],
    prize_kept: "Mitään ei poistettu.",
    prize_cannot_read: "Arvontaa ei voitu lukea: {}.",
    prize_cannot_purge: "Arvontaosallistumisia ei voitu poistaa: {}.",
    prize_digest: "Osallistujien tiiviste: {}",
    prize_drew: "Arvottiin {} / {} osallistujaa:",
    prize_check: "Tarkista komennolla: {}",
};

static SV: ViewTexts = ViewTexts {
    live_title: "Resultat i realtid · {}",
    owns_store: "den här vyn äger databasen",
    live_through: "i realtid via {}",
    owner_stopped: "{} har stannat · r ansluter igen",
    responses: ["{} svar", "{} svar"],
    today: "{} i dag",
    partial_counted: ["{} ofullständigt med", "{} ofullständiga med"],
    partial_left_out: ["{} ofullständigt utelämnat", "{} ofullständiga utelämnade"],
    suspect_counted: ["{} misstänkt med", "{} misstänkta med"],
    suspect_left_out: ["{} misstänkt utelämnat", "{} misstänkta utelämnade"],
    rate_of: "{} % av {}",
    last: "senast {}",
    per_hour: "Svar per timme, senaste {} h (flest på en timme: {})",
    enlarge_to: "Förstora terminalen till minst {}×{} (nu {}×{}).",
    no_texts: "Inga fria texter än.",
    by_and_per: "Efter {} och {}",
    by: "Efter {}",
    per: "Per {}",
    periods: ["dag", "vecka", "månad", "år"],
    all: "(alla)",
    no_group: "(inget svar)",
    rows_of: "Rader {}–{} av {}",
    counting: "Räknar…",
    cannot_reconnect: "Kan inte ansluta igen: {}",
    cannot_count: "Kan inte räkna: {}",
    key_question: "fråga",
    key_by: "efter: {}",
    key_period: "period: {}",
    key_texts: "texter",
    key_bars: "staplar",
    key_rows: "rader",
    key_reload: "läs om",
    key_quit: "avsluta",
    types: types([
        "betyg",
        "NPS",
        "ja/nej",
        "val",
        "flerval",
        "rangordning",
        "tal",
        "text",
    ]),
    mean: "medel",
    median: "median",
    top2: "topp-2",
    min: "min",
    max: "max",
    yes: "ja",
    nps_bands: "(promotorer {}, passiva {}, kritiker {})",
    answers: ["{} svar", "{} svar"],
    admin_title: "kioski admin · terminal {}",
    admin_owns: "äger databasen (ingen kiosk körs)",
    admin_through: "via {}",
    enlarge: "Förstora terminalen.",
    pin_prompt: "Administratörens PIN-kod: {}",
    pin_try_again: "För många fel PIN-koder. Försök igen om {} s.",
    pin_wrong: "Fel PIN-kod.",
    pin_hint: "Skriv administratörens PIN-kod och tryck Enter (Esc lämnar).",
    pin_locked: "För många fel PIN-koder: låst i {} s.",
    pin_locked_more: "För många fel PIN-koder (här eller vid kiosken): låst i {} s till.",
    pin_cannot_check: "Kan inte kontrollera PIN-koden: {}.",
    no_pin: "Ingen administratörs-PIN är satt: vem som helst vid den här terminalen kan ändra databasen. Sätt en med `kioski pin set`.",
    columns: ["ID", "TITEL", "VERS.", "KOMPLETTA", "OFULLST", "MISST."],
    no_surveys: "Inga enkäter än: tryck o för att läsa in en enkätfil.",
    active_means: "* aktiv: enkäten som kiosken visar",
    prompt_keys: "Enter bekräftar · Esc avbryter · ↑↓ välj",
    list_keys: "↑↓ välj · Enter resultat i realtid · a aktivera · o läs in · e CSV · x Excel-CSV · J JSONL · c kodbok · R rapport · b paket · i importera · n namn · p utlottning · r uppdatera · q avsluta",
    load_title: "Läs in en enkätfil (skriv en sökväg eller välj med ↑↓)",
    export_as: "Exportera `{}` som {} till",
    export_codebook: "Exportera kodboken för `{}` (CSV) till",
    export_report: "Skriv HTML-rapporten för `{}` till",
    bundle_title: "Skriv ett paket med alla svar till",
    import_title: "Importera paketfilen (skriv en sökväg eller välj med ↑↓)",
    replace_ask: "{} finns redan. Ersätta den? y ersätter, alla andra tangenter behåller den (y/N)",
    kept_file: "Inget skrevs; {} är kvar som den var.",
    name_title: "Den här terminalens namn (sparas med varje svar)",
    reached_again: "Databasen nås igen: {}.",
    owner_went: "Kiosken som ägde databasen har stannat; den här vyn når databasen igen om ett ögonblick.",
    cannot_list: "Kan inte lista enkäterna: {}.",
    cannot_activate: "Kan inte aktivera `{}`: {}.",
    cannot_name_unchanged: "Kan inte sätta terminalens namn: {}; inget ändrades.",
    named: "Den här terminalen heter nu `{}` (kiosken tar det vid nästa välkomstskärm; --terminal går före).",
    cannot_name: "Kan inte sätta terminalens namn: {}.",
    cannot_read: "Kan inte läsa {}: {}.",
    cannot_load: "Kan inte läsa in {}: {}.",
    activated: "`{}` är nu aktiv; kiosken visar den från nästa välkomstskärm.",
    activated_kept: "`{}` är nu aktiv; den körande kiosken startades med --survey {} och visar den tills den startas om.",
    load_invalid: "{} är inte giltig; inget lästes in:",
    loaded: "{}: inläst som `{}` version {} ({})",
    unchanged: "{}: oförändrad, `{}` version {} ({})",
    now_active: ", nu aktiv",
    prize_no_entries: "`{}` har inga utlottningsdeltagare.",
    prize_title: "Utlottning för `{}`",
    prize_entries: "Deltagare per enkät:",
    prize_none: "  inga",
    prize_winners: "Vinnare: {} (↑↓ ändrar)",
    prize_seed_empty: "Frö: (tomt: ett nytt görs och visas)",
    prize_seed: "Frö: {}",
    prize_confirm: "Radera de {} utlottningsdeltagarna i `{}` för gott? y raderar, annan tangent behåller dem.",
    prize_keys: "skriv ett frö · Enter lottar · ↑↓ vinnare · Ctrl-X raderar · Esc tillbaka (glömmer vinnarna)",
    prize_deleted: [
        "Raderade {} utlottningsdeltagare i `{}`.",
        "Raderade {} utlottningsdeltagare i `{}`.",
    ],
    prize_kept: "Inget raderades.",
    prize_cannot_read: "Kan inte läsa utlottningen: {}.",
    prize_cannot_purge: "Kan inte radera utlottningsdeltagarna: {}.",
    prize_digest: "Deltagarnas kontrollsumma: {}",
    prize_drew: "Lottade {} av {} deltagare:",
    prize_check: "Kontrollera med: {}",
};

static EN: ViewTexts = ViewTexts {
    live_title: "Live tally · {}",
    owns_store: "this view owns the store",
    live_through: "live through {}",
    owner_stopped: "{} stopped · r reconnects",
    responses: ["{} response", "{} responses"],
    today: "{} today",
    partial_counted: ["{} partial counted", "{} partial counted"],
    partial_left_out: ["{} partial left out", "{} partial left out"],
    suspect_counted: ["{} suspect counted", "{} suspect counted"],
    suspect_left_out: ["{} suspect left out", "{} suspect left out"],
    rate_of: "{} % of {}",
    last: "last {}",
    per_hour: "Responses per hour, last {} h (most in an hour: {})",
    enlarge_to: "Please enlarge the terminal to at least {}×{} (now {}×{}).",
    no_texts: "No free texts yet.",
    by_and_per: "By {} and {}",
    by: "By {}",
    per: "Per {}",
    periods: ["day", "week", "month", "year"],
    all: "(all)",
    no_group: "(none)",
    rows_of: "Rows {}–{} of {}",
    counting: "Counting…",
    cannot_reconnect: "Cannot reconnect: {}",
    cannot_count: "Cannot count: {}",
    key_question: "question",
    key_by: "by: {}",
    key_period: "period: {}",
    key_texts: "texts",
    key_bars: "bars",
    key_rows: "rows",
    key_reload: "reload",
    key_quit: "quit",
    types: types([
        "rating", "nps", "yesno", "choice", "multi", "ranking", "number", "text",
    ]),
    mean: "mean",
    median: "median",
    top2: "top-2",
    min: "min",
    max: "max",
    yes: "yes",
    nps_bands: "(promoters {}, passives {}, detractors {})",
    answers: ["{} answer", "{} answers"],
    admin_title: "kioski admin · terminal {}",
    admin_owns: "owns the store (no kiosk runs on it)",
    admin_through: "through {}",
    enlarge: "Please enlarge the terminal.",
    pin_prompt: "Admin PIN: {}",
    pin_try_again: "Too many wrong PINs. Try again in {} s.",
    pin_wrong: "Wrong PIN.",
    pin_hint: "Type the admin PIN and press Enter (Esc leaves).",
    pin_locked: "Too many wrong PINs: locked for {} s.",
    pin_locked_more: "Too many wrong PINs (here or at the kiosk): locked for {} s more.",
    pin_cannot_check: "Cannot check the PIN: {}.",
    no_pin: "No admin PIN is set: anyone at this terminal can change the store. Set one with `kioski pin set`.",
    columns: ["ID", "TITLE", "VERSIONS", "COMPLETE", "PARTIAL", "SUSPECT"],
    no_surveys: "No surveys yet: press o to load a survey file.",
    active_means: "* active: the survey the kiosk shows",
    prompt_keys: "Enter confirms · Esc cancels · ↑↓ pick",
    list_keys: "↑↓ choose · Enter live tally · a activate · o load · e CSV · x Excel CSV · J JSONL · c codebook · R report · b bundle · i import · n name · p prize draw · r refresh · q quit",
    load_title: "Load a survey file (type a path or pick one with ↑↓)",
    export_as: "Export `{}` as {} to",
    export_codebook: "Export the codebook of `{}` (CSV) to",
    export_report: "Write the HTML report of `{}` to",
    bundle_title: "Write a bundle of all responses to",
    import_title: "Import the bundle file (type a path or pick one with ↑↓)",
    replace_ask: "{} exists. Replace it? y replaces it, any other key keeps it (y/N)",
    kept_file: "Nothing was written; {} is kept as it was.",
    name_title: "This terminal's name (stored with each response)",
    reached_again: "Reached the store again: {}.",
    owner_went: "The kiosk that owned the store stopped; this view reaches the store again in a moment.",
    cannot_list: "Cannot list the surveys: {}.",
    cannot_activate: "Cannot activate `{}`: {}.",
    cannot_name_unchanged: "Cannot set the terminal name: {}; nothing was changed.",
    named: "This terminal is now `{}` (the kiosk takes it at its next welcome screen; --terminal still wins).",
    cannot_name: "Cannot set the terminal name: {}.",
    cannot_read: "Cannot read {}: {}.",
    cannot_load: "Cannot load {}: {}.",
    activated: "`{}` is now active; the kiosk shows it from its next welcome screen.",
    activated_kept: "`{}` is now active; the running kiosk was started with --survey {} and shows it until it is restarted.",
    load_invalid: "{} is not valid; nothing was loaded:",
    loaded: "{}: loaded as `{}` version {} ({})",
    unchanged: "{}: unchanged: `{}` version {} ({})",
    now_active: ", now active",
    prize_no_entries: "`{}` has no prize-draw entries.",
    prize_title: "Prize draw of `{}`",
    prize_entries: "Entries per survey:",
    prize_none: "  none",
    prize_winners: "Winners: {} (↑↓ to change)",
    prize_seed_empty: "Seed: (empty: a fresh one is made and shown)",
    prize_seed: "Seed: {}",
    prize_confirm: "Delete the {} prize-draw entries of `{}` for good? y deletes, any other key keeps them.",
    prize_keys: "type a seed · Enter draws · ↑↓ winners · Ctrl-X purges · Esc back (forgets the winners)",
    prize_deleted: [
        "Deleted {} prize-draw entry of `{}`.",
        "Deleted {} prize-draw entries of `{}`.",
    ],
    prize_kept: "Nothing was deleted.",
    prize_cannot_read: "Cannot read the prize draw: {}.",
    prize_cannot_purge: "Cannot purge the prize draw: {}.",
    prize_digest: "Entries digest: {}",
    prize_drew: "Drew {} of {} entries:",
    prize_check: "Check it with: {}",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_takes_the_arguments_in_order() {
        assert_eq!(fill("{} of {}", &[&1, &"x"]), "1 of x");
        assert_eq!(fill("none", &[&1]), "none");
        assert_eq!(fill("{} and {}", &[&1]), "1 and ");
    }

    #[test]
    fn counts_take_their_plural_forms() {
        let fi = ViewTexts::of(Lang::Fi);
        assert_eq!(ViewTexts::count(fi.responses, 1), "1 vastaus");
        assert_eq!(ViewTexts::count(fi.responses, 0), "0 vastausta");
        assert_eq!(ViewTexts::count(fi.responses, 401), "401 vastausta");
        assert_eq!(
            ViewTexts::count(fi.partial_left_out, 1),
            "1 keskeneräinen pois"
        );
        assert_eq!(
            ViewTexts::count(fi.partial_left_out, 13),
            "13 keskeneräistä pois"
        );
        let sv = ViewTexts::of(Lang::Sv);
        assert_eq!(ViewTexts::count(sv.responses, 2), "2 svar");
        assert_eq!(ViewTexts::count(sv.suspect_counted, 1), "1 misstänkt med");
        let en = ViewTexts::of(Lang::En);
        assert_eq!(ViewTexts::count(en.responses, 1), "1 response");
        assert_eq!(ViewTexts::count(en.responses, 2), "2 responses");
    }

    #[test]
    fn every_language_has_every_placeholder() {
        // The same `{}` count in every language, or a figure goes missing.
        let holes = |s: &str| s.matches("{}").count();
        let (fi, sv, en) = (&FI, &SV, &EN);
        for (f, s, e) in [
            (fi.live_title, sv.live_title, en.live_title),
            (fi.per_hour, sv.per_hour, en.per_hour),
            (fi.enlarge_to, sv.enlarge_to, en.enlarge_to),
            (fi.rows_of, sv.rows_of, en.rows_of),
            (fi.by_and_per, sv.by_and_per, en.by_and_per),
            (fi.cannot_activate, sv.cannot_activate, en.cannot_activate),
            (fi.prize_drew, sv.prize_drew, en.prize_drew),
            (fi.nps_bands, sv.nps_bands, en.nps_bands),
            (fi.pin_prompt, sv.pin_prompt, en.pin_prompt),
        ] {
            assert_eq!(holes(f), holes(e), "{f}");
            assert_eq!(holes(s), holes(e), "{s}");
        }
    }
}
