//! The suite dialect's error codes (`errorCode`), each declared once with its `userMessage` in
//! the four languages. Several errors share a code (five token failures are all `A202`), so the
//! message belongs to the code, and an error names its code in `crate::error`.

/// The languages of suite messages; English when the caller accepts none of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    En,
    De,
    Fr,
    Nl,
}

impl Language {
    /// The `Content-Language` tag.
    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::De => "de",
            Self::Fr => "fr",
            Self::Nl => "nl",
        }
    }
}

/// A suite `errorCode` and its message in each language.
#[derive(Debug, PartialEq, Eq)]
pub struct SuiteCode {
    pub code: &'static str,
    en: &'static str,
    de: &'static str,
    fr: &'static str,
    nl: &'static str,
}

impl SuiteCode {
    pub fn message(&self, language: Language) -> &'static str {
        match language {
            Language::En => self.en,
            Language::De => self.de,
            Language::Fr => self.fr,
            Language::Nl => self.nl,
        }
    }
}

/// `NAME = "code" [en, de, fr, nl]`: a constant per code, and the list of all of them.
macro_rules! suite_codes {
    ($($name:ident = $code:literal [$en:literal, $de:literal, $fr:literal, $nl:literal $(,)?])*) => {
        $(pub const $name: SuiteCode = SuiteCode { code: $code, en: $en, de: $de, fr: $fr, nl: $nl };)*

        /// Every code of the catalogue.
        #[cfg(test)]
        pub const ALL: &[&SuiteCode] = &[$(&$name),*];
    };
}

mod identity;
mod profile;
pub use identity::*;
pub use profile::*;

// `A…`: authentication (`A1xx` access denied, `A2xx` sign-in and tokens); `U…`: the user;
// `T…`: the tenant; `REQ…`: the request; `SRV…`: the service.
suite_codes! {
    A101 = "A101" [
        "Access denied.",
        "Zugriff verweigert.",
        "Accès refusé.",
        "Toegang geweigerd.",
    ]
    A201 = "A201" [
        "The email or password is wrong.",
        "E-Mail oder Passwort ist falsch.",
        "L'e-mail ou le mot de passe est incorrect.",
        "Het e-mailadres of wachtwoord is onjuist.",
    ]
    A202 = "A202" [
        "Please sign in.",
        "Bitte melde dich an.",
        "Veuillez vous connecter.",
        "Meld je aan.",
    ]
    A203 = "A203" [
        "Your session has timed out. Please refresh your token.",
        "Deine Sitzung ist abgelaufen. Bitte erneuere dein Token.",
        "Votre session a expiré. Veuillez renouveler votre jeton.",
        "Je sessie is verlopen. Vernieuw je token.",
    ]
    A204 = "A204" [
        "You have been signed out. Please sign in again.",
        "Du wurdest abgemeldet. Bitte melde dich erneut an.",
        "Vous avez été déconnecté. Veuillez vous reconnecter.",
        "Je bent afgemeld. Meld je opnieuw aan.",
    ]
    A205 = "A205" [
        "The refresh token is not valid. Please sign in again.",
        "Das Refresh-Token ist ungültig. Bitte melde dich erneut an.",
        "Le jeton de rafraîchissement n'est pas valide. Veuillez vous reconnecter.",
        "Het vernieuwingstoken is ongeldig. Meld je opnieuw aan.",
    ]
    A206 = "A206" [
        "This refresh token was already used, so the session was ended for your safety. Please sign in again.",
        "Dieses Refresh-Token wurde bereits benutzt; die Sitzung wurde zu deiner Sicherheit beendet. Bitte melde dich erneut an.",
        "Ce jeton de rafraîchissement a déjà été utilisé ; la session a été fermée pour votre sécurité. Veuillez vous reconnecter.",
        "Dit vernieuwingstoken is al gebruikt; de sessie is voor je veiligheid beëindigd. Meld je opnieuw aan.",
    ]
    A207 = "A207" [
        "The code is not valid.",
        "Der Code ist ungültig.",
        "Le code n'est pas valide.",
        "De code is ongeldig.",
    ]
    A208 = "A208" [
        "Two-factor sign-in is already on.",
        "Die Zwei-Faktor-Anmeldung ist bereits aktiv.",
        "La connexion à deux facteurs est déjà activée.",
        "Aanmelden met twee factoren staat al aan.",
    ]
    A209 = "A209" [
        "Please request a two-factor secret first.",
        "Bitte fordere zuerst ein Zwei-Faktor-Geheimnis an.",
        "Veuillez d'abord demander un secret à deux facteurs.",
        "Vraag eerst een tweefactorgeheim aan.",
    ]
    A210 = "A210" [
        "The sign-in has timed out. Please sign in again.",
        "Die Anmeldung ist abgelaufen. Bitte melde dich erneut an.",
        "La connexion a expiré. Veuillez vous reconnecter.",
        "De aanmelding is verlopen. Meld je opnieuw aan.",
    ]
    A211 = "A211" [
        "The sign-in with the external account could not be verified.",
        "Die Anmeldung mit dem externen Konto konnte nicht bestätigt werden.",
        "La connexion avec le compte externe n'a pas pu être vérifiée.",
        "De aanmelding met het externe account kon niet worden bevestigd.",
    ]
    A212 = "A212" [
        "This sign-in method is not available here.",
        "Diese Anmeldemethode ist hier nicht verfügbar.",
        "Ce mode de connexion n'est pas disponible ici.",
        "Deze aanmeldmethode is hier niet beschikbaar.",
    ]
    A213 = "A213" [
        "The request could not be verified. Please check the device clock and try again.",
        "Die Anfrage konnte nicht bestätigt werden. Bitte prüfe die Uhrzeit des Geräts und versuche es erneut.",
        "La requête n'a pas pu être vérifiée. Veuillez vérifier l'heure de l'appareil et réessayer.",
        "Het verzoek kon niet worden bevestigd. Controleer de klok van het apparaat en probeer het opnieuw.",
    ]
    U101 = "U101" [
        "The password must be 8 to 128 characters long.",
        "Das Passwort muss 8 bis 128 Zeichen lang sein.",
        "Le mot de passe doit comporter de 8 à 128 caractères.",
        "Het wachtwoord moet 8 tot 128 tekens lang zijn.",
    ]
    U102 = "U102" [
        "A user with this email already exists.",
        "Es gibt bereits einen Benutzer mit dieser E-Mail-Adresse.",
        "Un utilisateur avec cette adresse e-mail existe déjà.",
        "Er bestaat al een gebruiker met dit e-mailadres.",
    ]
    U106 = "U106" [
        "The user could not be found.",
        "Der Benutzer wurde nicht gefunden.",
        "L'utilisateur est introuvable.",
        "De gebruiker is niet gevonden.",
    ]
    U130_3 = "U130.3" [
        "A valid email address must be set.",
        "Eine gültige E-Mail-Adresse muss angegeben werden.",
        "Une adresse e-mail valide doit être renseignée.",
        "Er moet een geldig e-mailadres worden opgegeven.",
    ]
    U131 = "U131" [
        "Your account is locked after too many failed sign-ins. Please try again later.",
        "Dein Konto ist nach zu vielen fehlgeschlagenen Anmeldungen gesperrt. Bitte versuche es später erneut.",
        "Votre compte est bloqué après trop de connexions échouées. Veuillez réessayer plus tard.",
        "Je account is geblokkeerd na te veel mislukte aanmeldingen. Probeer het later opnieuw.",
    ]
    U401 = "U401" [
        "A code was sent moments ago. Please wait before asking for another.",
        "Ein Code wurde gerade gesendet. Bitte warte, bevor du einen neuen anforderst.",
        "Un code vient d'être envoyé. Veuillez patienter avant d'en demander un autre.",
        "Er is zojuist een code verstuurd. Wacht even voordat je een nieuwe aanvraagt.",
    ]
    U402 = "U402" [
        "The code is wrong or has expired. Please request a new one.",
        "Der Code ist falsch oder abgelaufen. Bitte fordere einen neuen an.",
        "Le code est incorrect ou a expiré. Veuillez en demander un nouveau.",
        "De code is onjuist of verlopen. Vraag een nieuwe aan.",
    ]
    T404 = "T404" [
        "This operator does not exist.",
        "Diesen Betreiber gibt es nicht.",
        "Cet opérateur n'existe pas.",
        "Deze aanbieder bestaat niet.",
    ]
    B404 = "B404" [
        "No branch serves this place.",
        "An diesem Ort gibt es kein Angebot.",
        "Aucune agence ne dessert ce lieu.",
        "Geen vestiging bedient deze plaats.",
    ]
    REQ400 = "REQ400" [
        "The request is not valid.",
        "Die Anfrage ist ungültig.",
        "La requête n'est pas valide.",
        "Het verzoek is ongeldig.",
    ]
    REQ404 = "REQ404" [
        "There is nothing here.",
        "Hier gibt es nichts.",
        "Il n'y a rien ici.",
        "Hier is niets.",
    ]
    REQ405 = "REQ405" [
        "This method is not allowed here.",
        "Diese Methode ist hier nicht erlaubt.",
        "Cette méthode n'est pas autorisée ici.",
        "Deze methode is hier niet toegestaan.",
    ]
    REQ413 = "REQ413" [
        "The request is too large.",
        "Die Anfrage ist zu groß.",
        "La requête est trop volumineuse.",
        "Het verzoek is te groot.",
    ]
    REQ408 = "REQ408" [
        "The request did not arrive in time.",
        "Die Anfrage ist nicht rechtzeitig angekommen.",
        "La requête n'est pas arrivée à temps.",
        "Het verzoek kwam niet op tijd aan.",
    ]
    REQ415 = "REQ415" [
        "The request body must be JSON.",
        "Der Inhalt der Anfrage muss JSON sein.",
        "Le corps de la requête doit être du JSON.",
        "De inhoud van het verzoek moet JSON zijn.",
    ]
    REQ429 = "REQ429" [
        "Too many attempts. Please wait a moment.",
        "Zu viele Versuche. Bitte warte einen Moment.",
        "Trop de tentatives. Veuillez patienter un instant.",
        "Te veel pogingen. Wacht even.",
    ]
    SRV503 = "SRV503" [
        "The service is busy. Please try again.",
        "Der Dienst ist ausgelastet. Bitte versuche es erneut.",
        "Le service est surchargé. Veuillez réessayer.",
        "De dienst is bezet. Probeer het opnieuw.",
    ]
    SRV503_1 = "SRV503.1" [
        "The external sign-in service cannot be reached. Please try again later.",
        "Der externe Anmeldedienst ist nicht erreichbar. Bitte versuche es später erneut.",
        "Le service de connexion externe est injoignable. Veuillez réessayer plus tard.",
        "De externe aanmelddienst is niet bereikbaar. Probeer het later opnieuw.",
    ]
    SRV503_2 = "SRV503.2" [
        "The request took too long. Please try again.",
        "Die Anfrage hat zu lange gedauert. Bitte versuche es erneut.",
        "La requête a pris trop de temps. Veuillez réessayer.",
        "Het verzoek duurde te lang. Probeer het opnieuw.",
    ]
    SRV503_3 = "SRV503.3" [
        "The service is temporarily unavailable. Please try again in a moment.",
        "Der Dienst ist vorübergehend nicht verfügbar. Bitte versuche es gleich erneut.",
        "Le service est temporairement indisponible. Veuillez réessayer dans un instant.",
        "De dienst is tijdelijk niet beschikbaar. Probeer het zo opnieuw.",
    ]
    P101 = "P101" [
        "The payment was declined. Please try another card.",
        "Die Zahlung wurde abgelehnt. Bitte versuche eine andere Karte.",
        "Le paiement a été refusé. Veuillez essayer une autre carte.",
        "De betaling is geweigerd. Probeer een andere kaart.",
    ]
    P102 = "P102" [
        "The payment details are not valid.",
        "Die Zahlungsangaben sind ungültig.",
        "Les informations de paiement ne sont pas valides.",
        "De betaalgegevens zijn ongeldig.",
    ]
    P103 = "P103" [
        "The payment provider cannot be reached. Please try again later.",
        "Der Zahlungsanbieter ist nicht erreichbar. Bitte versuche es später erneut.",
        "Le prestataire de paiement est injoignable. Veuillez réessayer plus tard.",
        "De betaalprovider is niet bereikbaar. Probeer het later opnieuw.",
    ]
    P104 = "P104" [
        "This change to your payment methods is not possible.",
        "Diese Änderung deiner Zahlungsmittel ist nicht möglich.",
        "Cette modification de vos moyens de paiement n'est pas possible.",
        "Deze wijziging van je betaalmethoden is niet mogelijk.",
    ]
    REQ409 = "REQ409" [
        "The same request is still being processed. Please try again shortly.",
        "Dieselbe Anfrage wird noch bearbeitet. Bitte versuche es gleich noch einmal.",
        "La même requête est encore en cours de traitement. Veuillez réessayer dans un instant.",
        "Hetzelfde verzoek wordt nog verwerkt. Probeer het zo opnieuw.",
    ]
    REQ422 = "REQ422" [
        "This idempotency key was used for another request.",
        "Dieser Idempotenzschlüssel wurde für eine andere Anfrage verwendet.",
        "Cette clé d'idempotence a été utilisée pour une autre requête.",
        "Deze idempotentiesleutel is voor een ander verzoek gebruikt.",
    ]
    SRV500 = "SRV500" [
        "Something went wrong on our side.",
        "Bei uns ist etwas schiefgelaufen.",
        "Une erreur s'est produite de notre côté.",
        "Er ging bij ons iets mis.",
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code of both catalogues.
    fn every() -> Vec<&'static SuiteCode> {
        ALL.iter().chain(profile::ALL.iter()).chain(identity::ALL.iter()).copied().collect()
    }

    #[test]
    fn every_code_has_its_own_message_in_four_languages() {
        let codes = [
            "A101", "A201", "A202", "A203", "A204", "A205", "A206", "A207", "A208", "A209", "A210", "A211", "A212",
            "SRV503.1", "U101", "U102", "U106", "U130.3", "U131", "U401", "U402", "T404", "REQ400", "REQ404", "REQ405",
            "REQ413", "REQ415", "REQ429", "SRV503", "SRV503.2", "SRV503.3", "REQ408", "U111", "U120", "U130.2",
            "U130.7", "U141", "U501", "U502", "U503", "U504", "U505",
        ];
        let catalogue: Vec<&str> = every().iter().map(|c| c.code).collect();
        for code in codes {
            assert!(catalogue.contains(&code), "{code} is in the catalogue");
        }
        let fallback = SRV500.message(Language::En);
        for code in every().into_iter().filter(|c| c.code != SRV500.code) {
            assert_ne!(code.message(Language::En), fallback, "{} has no message", code.code);
        }
        for code in every() {
            let all = [Language::En, Language::De, Language::Fr, Language::Nl].map(|l| code.message(l));
            for (i, m) in all.iter().enumerate() {
                assert!(all.iter().skip(i + 1).all(|other| other != m), "{}: a language repeats another", code.code);
            }
        }
    }

    #[test]
    fn no_two_constants_name_the_same_code() {
        let mut codes: Vec<&str> = every().iter().map(|c| c.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), every().len());
    }
}
