//! Every word the kiosk itself says, in Finnish, Swedish and English.
//!
//! One table per language, so a missing translation is a compile error,
//! not a blank button.

use crate::core::survey::Lang;

pub mod views;

/// The kiosk's own texts in one language.
pub struct Texts {
    /// The language's name in itself, for the language buttons.
    pub language: &'static str,
    pub start: &'static str,
    pub back: &'static str,
    pub next: &'static str,
    pub finish: &'static str,
    pub required: &'static str,
    pub other_what: &'static str,
    pub write_other: &'static str,
    pub type_here: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub nps_low: &'static str,
    pub nps_high: &'static str,
    pub still_there: &'static str,
    pub touch_to_continue: &'static str,
    pub thanks: &'static str,
    pub saving: &'static str,
    pub failed: &'static str,
    pub pin_prompt: &'static str,
    pub pin_wrong: &'static str,
    pub demo_banner: &'static str,
    /// The banner for narrow screens: still names the command.
    pub demo_banner_short: &'static str,
    pub rank_hint: &'static str,
    pub number_hint: &'static str,
    /// What keys do, for the footers drawn from the key tables
    /// (`ui/kiosk/keys.rs`): choose, move, next, back, language, buttons.
    pub key_choose: &'static str,
    pub key_move: &'static str,
    pub key_next: &'static str,
    pub key_back: &'static str,
    pub key_lang: &'static str,
    pub key_buttons: &'static str,
    pub prize_join: &'static str,
    pub prize_skip: &'static str,
    pub prize_fill_one: &'static str,
    pub prize_bad_email: &'static str,
    pub prize_bad_phone: &'static str,
    /// Around the day of `[prize_draw] delete_after`, after the privacy text.
    prize_kept_until: [&'static str; 2],
    /// Labels of the contact fields: name, phone, email.
    pub contact: [&'static str; 3],
    choose_at_least: [&'static str; 2],
    choose_at_most: [&'static str; 2],
    rank_exactly: [&'static str; 2],
    between: [&'static str; 3],
    seconds: [&'static str; 2],
    locked_for: &'static str,
}

impl Texts {
    /// "The contact details are deleted after DAY."
    pub fn kept_until(&self, day: &str) -> String {
        format!(
            "{}{day}{}",
            self.prize_kept_until[0], self.prize_kept_until[1]
        )
    }

    pub fn of(lang: Lang) -> &'static Texts {
        match lang {
            Lang::Fi => &FI,
            Lang::Sv => &SV,
            Lang::En => &EN,
        }
    }

    pub fn choose_at_least(&self, n: u32) -> String {
        format!(
            "{} {n} {}",
            self.choose_at_least[0], self.choose_at_least[1]
        )
        .trim_end()
        .to_owned()
    }

    pub fn choose_at_most(&self, n: u32) -> String {
        format!("{} {n} {}", self.choose_at_most[0], self.choose_at_most[1])
            .trim_end()
            .to_owned()
    }

    pub fn rank_exactly(&self, n: u32) -> String {
        format!("{} {n} {}", self.rank_exactly[0], self.rank_exactly[1])
    }

    pub fn between(&self, min: i64, max: i64) -> String {
        format!(
            "{} {min} {} {max}{}",
            self.between[0], self.between[1], self.between[2]
        )
    }

    pub fn seconds(&self, n: u64) -> String {
        format!(
            "{n} {}",
            if n == 1 {
                self.seconds[0]
            } else {
                self.seconds[1]
            }
        )
    }

    pub fn locked_for(&self, secs: u64) -> String {
        format!("{} {}", self.locked_for, self.seconds(secs))
    }
}

/// "Please enlarge the window", in every language at once: the screen is
/// too small to offer a language choice first.
pub const TOO_SMALL: [&str; 3] = [
    "Suurenna ikkunaa, kiitos",
    "Förstora fönstret, tack",
    "Please enlarge the window",
];

static FI: Texts = Texts {
    language: "Suomi",
    start: "Aloita",
    back: "Takaisin",
    next: "Seuraava",
    finish: "Lähetä",
    required: "Tähän kysymykseen tarvitaan vastaus.",
    other_what: "Muu, mikä?",
    write_other: "Kirjoita vastauksesi kenttään.",
    type_here: "Kirjoita tähän",
    yes: "Kyllä",
    no: "Ei",
    nps_low: "En lainkaan todennäköisesti",
    nps_high: "Erittäin todennäköisesti",
    still_there: "Oletko vielä siellä?",
    touch_to_continue: "Jatka koskettamalla näyttöä tai painamalla mitä tahansa näppäintä.",
    thanks: "Kiitos vastauksestasi!",
    saving: "Tallennetaan…",
    failed: "Vastaustasi ei valitettavasti voitu tallentaa. Kerrothan asiasta henkilökunnalle.",
    pin_prompt: "Ylläpitäjän PIN-koodi",
    pin_wrong: "Väärä PIN-koodi.",
    demo_banner: "ESITTELYTILA: Ctrl-C lopettaa. Lukitse kioski komennolla `kioski pin set`.",
    demo_banner_short: "DEMO · Ctrl-C lopettaa · kioski pin set",
    rank_hint: "Valitse tärkeysjärjestyksessä. Uusi valinta poistaa järjestyksestä.",
    number_hint: "Kirjoita numero.",
    key_choose: "valitsee",
    key_move: "liikkuu",
    key_next: "seuraava",
    key_back: "takaisin",
    key_lang: "kieli",
    key_buttons: "painikkeet",
    prize_join: "Osallistu arvontaan",
    prize_skip: "Ei kiitos",
    prize_fill_one: "Täytä ainakin yksi kenttä, niin voimme ottaa yhteyttä voittajaan.",
    prize_bad_email: "Tarkista sähköpostiosoite.",
    prize_bad_phone: "Tarkista puhelinnumero.",
    prize_kept_until: ["Yhteystiedot poistetaan ", " jälkeen."],
    contact: ["Nimi", "Puhelin", "Sähköposti"],
    choose_at_least: ["Valitse vähintään", ""],
    choose_at_most: ["Valitse enintään", ""],
    rank_exactly: ["Valitse", "vaihtoehtoa järjestykseen"],
    between: ["Anna luku väliltä", "–", ""],
    seconds: ["sekunti", "sekuntia"],
    locked_for: "Liian monta väärää yritystä. Odota",
};

static SV: Texts = Texts {
    language: "Svenska",
    start: "Börja",
    back: "Tillbaka",
    next: "Nästa",
    finish: "Skicka",
    required: "Den här frågan behöver ett svar.",
    other_what: "Annat, vad?",
    write_other: "Skriv ditt svar i fältet.",
    type_here: "Skriv här",
    yes: "Ja",
    no: "Nej",
    nps_low: "Inte alls sannolikt",
    nps_high: "Mycket sannolikt",
    still_there: "Är du kvar?",
    touch_to_continue: "Rör skärmen eller tryck på valfri tangent för att fortsätta.",
    thanks: "Tack för ditt svar!",
    saving: "Sparar…",
    failed: "Tyvärr kunde ditt svar inte sparas. Berätta gärna för personalen.",
    pin_prompt: "Administratörens PIN-kod",
    pin_wrong: "Fel PIN-kod.",
    demo_banner: "DEMOLÄGE: Ctrl-C avslutar. Lås kiosken med `kioski pin set`.",
    demo_banner_short: "DEMO · Ctrl-C avslutar · kioski pin set",
    rank_hint: "Välj i prioritetsordning. Ett nytt val tar bort det ur ordningen.",
    number_hint: "Skriv ett tal.",
    key_choose: "väljer",
    key_move: "flyttar",
    key_next: "nästa",
    key_back: "tillbaka",
    key_lang: "språk",
    key_buttons: "knapparna",
    prize_join: "Delta i utlottningen",
    prize_skip: "Nej tack",
    prize_fill_one: "Fyll i minst ett fält så att vi kan kontakta vinnaren.",
    prize_bad_email: "Kontrollera e-postadressen.",
    prize_bad_phone: "Kontrollera telefonnumret.",
    prize_kept_until: ["Kontaktuppgifterna raderas efter ", "."],
    contact: ["Namn", "Telefon", "E-post"],
    choose_at_least: ["Välj minst", ""],
    choose_at_most: ["Välj högst", ""],
    rank_exactly: ["Välj", "alternativ i ordning"],
    between: ["Ange ett tal mellan", "och", ""],
    seconds: ["sekund", "sekunder"],
    locked_for: "För många felaktiga försök. Vänta",
};

static EN: Texts = Texts {
    language: "English",
    start: "Start",
    back: "Back",
    next: "Next",
    finish: "Send",
    required: "This question needs an answer.",
    other_what: "Other, what?",
    write_other: "Please write your answer in the field.",
    type_here: "Type here",
    yes: "Yes",
    no: "No",
    nps_low: "Not at all likely",
    nps_high: "Extremely likely",
    still_there: "Are you still there?",
    touch_to_continue: "Touch the screen or press any key to continue.",
    thanks: "Thank you for your answers!",
    saving: "Saving…",
    failed: "Sorry, we could not save your answers. Please tell the staff.",
    pin_prompt: "Admin PIN",
    pin_wrong: "Wrong PIN.",
    demo_banner: "DEMO MODE: Ctrl-C quits. Lock the kiosk with `kioski pin set`.",
    demo_banner_short: "DEMO · Ctrl-C quits · kioski pin set",
    rank_hint: "Choose in order of importance. Choose one again to remove it.",
    number_hint: "Type a number.",
    key_choose: "choose",
    key_move: "move",
    key_next: "next",
    key_back: "back",
    key_lang: "language",
    key_buttons: "buttons",
    prize_join: "Enter the draw",
    prize_skip: "No thanks",
    prize_fill_one: "Fill in at least one field so that we can reach the winner.",
    prize_bad_email: "Please check the email address.",
    prize_bad_phone: "Please check the phone number.",
    prize_kept_until: ["The contact details are deleted after ", "."],
    contact: ["Name", "Phone", "Email"],
    choose_at_least: ["Choose at least", ""],
    choose_at_most: ["Choose at most", ""],
    rank_exactly: ["Choose", "options in order"],
    between: ["Give a number from", "to", ""],
    seconds: ["second", "seconds"],
    locked_for: "Too many wrong attempts. Wait",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_text() {
        for lang in Lang::ALL {
            let t = Texts::of(lang);
            for s in [
                t.start, t.back, t.next, t.required, t.thanks, t.failed, t.yes, t.no,
            ] {
                assert!(!s.is_empty(), "{lang}");
            }
            assert!(t.choose_at_most(2).contains('2'));
        }
    }
}
