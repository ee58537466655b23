//! The suite error body: `{"errorCode", "userMessage", "httpStatus", "traceId"}`, with
//! `userMessage` in the language of `Accept-Language` (en, de, fr, nl; English otherwise).
//!
//! Handlers return `SuiteError`; its response carries the code, and the `localize` middleware,
//! which sees the request, writes the message in the caller's language and the request id as
//! `traceId`.
use crate::error::ApiError;
use axum::Json;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug)]
pub struct SuiteError(pub ApiError);

impl<E: Into<ApiError>> From<E> for SuiteError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

/// Every suite 4xx/5xx body. Fields that would be null are left out.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = suite::Error, example = json!({"errorCode": "U102", "userMessage": "A user with this email already exists.", "httpStatus": 409, "traceId": "0b6e8f0e-3f6c-4a57-9d59-8e4f1c2b7a10"}))]
pub struct SuiteErrorBody {
    /// The stable code; see the README's suite error table.
    pub error_code: &'static str,
    /// For people, in the language of `Accept-Language` (en, de, fr, nl).
    pub user_message: String,
    pub http_status: u16,
    /// The request id (`x-request-id`), to quote to support.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
}

/// What `localize` needs to rewrite an error response.
#[derive(Debug, Clone)]
struct Pending {
    code: &'static str,
    status: StatusCode,
    /// A detail appended to the message (which field was wrong), in English.
    detail: Option<String>,
}

/// The suite code for an error.
pub fn code(e: &ApiError) -> &'static str {
    use ApiError::*;
    match e {
        MissingToken | MalformedToken | InvalidToken | MissingAccessKey | UnknownAccessKey => "A202",
        ExpiredToken => "A203",
        SessionEnded => "A204",
        InvalidRefreshToken => "A205",
        RefreshTokenReused => "A206",
        InvalidCredentials => "A201",
        ForeignToken | OtherTenant | InvalidServerToken => "A101",
        InvalidValue(domain::values::ValueError::InvalidEmail) => "U130.3",
        WeakPassword => "U101",
        UserExists | Conflict(_) => "U102",
        UnknownUser | NoAccount => "U106",
        UnknownTenant => "T404",
        InvalidBody(_) | InvalidValue(_) => "REQ400",
        NotFound => "REQ404",
        MethodNotAllowed => "REQ405",
        PayloadTooLarge => "REQ413",
        UnsupportedMediaType => "REQ415",
        InvalidCode => "A207",
        TotpAlreadyEnabled => "A208",
        NoPendingTotpSecret => "A209",
        InvalidMfaToken => "A210",
        InvalidIdToken => "A211",
        UnknownIdentityProvider => "A212",
        IdentityProviderUnavailable => "SRV503.1",
        IdentityWithoutEmail => "U130.3",
        InvalidSignature => "A213",
        CodeCooldown { .. } => "U401",
        RateLimited { .. } => "REQ429",
        AccountLocked { .. } => "U131",
        Busy => "SRV503",
        Internal(_) => "SRV500",
    }
}

impl IntoResponse for SuiteError {
    fn into_response(self) -> Response {
        let (status, _) = self.0.kind();
        let code = code(&self.0);
        let detail = match &self.0 {
            ApiError::InvalidBody(d) => Some(d.clone()),
            ApiError::InvalidValue(v) => Some(v.to_string()),
            _ => None,
        };
        let message = self.0.public_message();
        let body =
            SuiteErrorBody { error_code: code, user_message: message, http_status: status.as_u16(), trace_id: None };
        let retry_after = self.0.retry_after();
        let mut response = (status, Json(body)).into_response();
        if let Some(secs) = retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response.extensions_mut().insert(Pending { code, status, detail });
        response
    }
}

/// Rewrites suite error bodies in the caller's language, with the request id as `traceId`.
pub async fn localize(request: Request, next: Next) -> Response {
    let language = pick_language(request.headers().get("accept-language").and_then(|v| v.to_str().ok()));
    let trace_id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let response = next.run(request).await;
    let Some(pending) = response.extensions().get::<Pending>().cloned() else { return response };
    let mut message = message(pending.code, language).to_owned();
    if let Some(detail) = pending.detail {
        message = format!("{message} ({detail})");
    }
    let body = SuiteErrorBody {
        error_code: pending.code,
        user_message: message,
        http_status: pending.status.as_u16(),
        trace_id,
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    let mut rebuilt = (pending.status, Json(body)).into_response();
    *rebuilt.headers_mut() = parts.headers;
    rebuilt
        .headers_mut()
        .insert(axum::http::header::CONTENT_LANGUAGE, axum::http::HeaderValue::from_static(language.tag()));
    rebuilt
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    En,
    De,
    Fr,
    Nl,
}

impl Language {
    fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::De => "de",
            Self::Fr => "fr",
            Self::Nl => "nl",
        }
    }
}

/// The best supported language of an `Accept-Language` header, by quality, then order.
pub fn pick_language(header: Option<&str>) -> Language {
    let mut best: Option<(f32, Language)> = None;
    for item in header.unwrap_or_default().split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let quality =
            parts.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
        let language = match tag.split('-').next().unwrap_or_default() {
            "en" => Language::En,
            "de" => Language::De,
            "fr" => Language::Fr,
            "nl" => Language::Nl,
            _ => continue,
        };
        if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
            best = Some((quality, language));
        }
    }
    best.map_or(Language::En, |(_, l)| l)
}

/// The message of a suite code; every code has all four languages.
pub fn message(code: &str, language: Language) -> &'static str {
    let [en, de, fr, nl] = match code {
        "A101" => ["Access denied.", "Zugriff verweigert.", "Accès refusé.", "Toegang geweigerd."],
        "A201" => [
            "The email or password is wrong.",
            "E-Mail oder Passwort ist falsch.",
            "L'e-mail ou le mot de passe est incorrect.",
            "Het e-mailadres of wachtwoord is onjuist.",
        ],
        "A202" => ["Please sign in.", "Bitte melde dich an.", "Veuillez vous connecter.", "Meld je aan."],
        "A203" => [
            "Your session has timed out. Please refresh your token.",
            "Deine Sitzung ist abgelaufen. Bitte erneuere dein Token.",
            "Votre session a expiré. Veuillez renouveler votre jeton.",
            "Je sessie is verlopen. Vernieuw je token.",
        ],
        "A204" => [
            "You have been signed out. Please sign in again.",
            "Du wurdest abgemeldet. Bitte melde dich erneut an.",
            "Vous avez été déconnecté. Veuillez vous reconnecter.",
            "Je bent afgemeld. Meld je opnieuw aan.",
        ],
        "A205" => [
            "The refresh token is not valid. Please sign in again.",
            "Das Refresh-Token ist ungültig. Bitte melde dich erneut an.",
            "Le jeton de rafraîchissement n'est pas valide. Veuillez vous reconnecter.",
            "Het vernieuwingstoken is ongeldig. Meld je opnieuw aan.",
        ],
        "A206" => [
            "This refresh token was already used, so the session was ended for your safety. Please sign in again.",
            "Dieses Refresh-Token wurde bereits benutzt; die Sitzung wurde zu deiner Sicherheit beendet. Bitte melde dich erneut an.",
            "Ce jeton de rafraîchissement a déjà été utilisé ; la session a été fermée pour votre sécurité. Veuillez vous reconnecter.",
            "Dit vernieuwingstoken is al gebruikt; de sessie is voor je veiligheid beëindigd. Meld je opnieuw aan.",
        ],
        "A207" => {
            ["The code is not valid.", "Der Code ist ungültig.", "Le code n'est pas valide.", "De code is ongeldig."]
        }
        "A208" => [
            "Two-factor sign-in is already on.",
            "Die Zwei-Faktor-Anmeldung ist bereits aktiv.",
            "La connexion à deux facteurs est déjà activée.",
            "Aanmelden met twee factoren staat al aan.",
        ],
        "A209" => [
            "Please request a two-factor secret first.",
            "Bitte fordere zuerst ein Zwei-Faktor-Geheimnis an.",
            "Veuillez d'abord demander un secret à deux facteurs.",
            "Vraag eerst een tweefactorgeheim aan.",
        ],
        "A210" => [
            "The sign-in has timed out. Please sign in again.",
            "Die Anmeldung ist abgelaufen. Bitte melde dich erneut an.",
            "La connexion a expiré. Veuillez vous reconnecter.",
            "De aanmelding is verlopen. Meld je opnieuw aan.",
        ],
        "A211" => [
            "The sign-in with the external account could not be verified.",
            "Die Anmeldung mit dem externen Konto konnte nicht bestätigt werden.",
            "La connexion avec le compte externe n'a pas pu être vérifiée.",
            "De aanmelding met het externe account kon niet worden bevestigd.",
        ],
        "A212" => [
            "This sign-in method is not available here.",
            "Diese Anmeldemethode ist hier nicht verfügbar.",
            "Ce mode de connexion n'est pas disponible ici.",
            "Deze aanmeldmethode is hier niet beschikbaar.",
        ],
        "SRV503.1" => [
            "The external sign-in service cannot be reached. Please try again later.",
            "Der externe Anmeldedienst ist nicht erreichbar. Bitte versuche es später erneut.",
            "Le service de connexion externe est injoignable. Veuillez réessayer plus tard.",
            "De externe aanmelddienst is niet bereikbaar. Probeer het later opnieuw.",
        ],
        "A213" => [
            "The request could not be verified. Please check the device clock and try again.",
            "Die Anfrage konnte nicht bestätigt werden. Bitte prüfe die Uhrzeit des Geräts und versuche es erneut.",
            "La requête n'a pas pu être vérifiée. Veuillez vérifier l'heure de l'appareil et réessayer.",
            "Het verzoek kon niet worden bevestigd. Controleer de klok van het apparaat en probeer het opnieuw.",
        ],
        "U401" => [
            "A code was sent moments ago. Please wait before asking for another.",
            "Ein Code wurde gerade gesendet. Bitte warte, bevor du einen neuen anforderst.",
            "Un code vient d'être envoyé. Veuillez patienter avant d'en demander un autre.",
            "Er is zojuist een code verstuurd. Wacht even voordat je een nieuwe aanvraagt.",
        ],
        "U101" => [
            "The password must be 8 to 128 characters long.",
            "Das Passwort muss 8 bis 128 Zeichen lang sein.",
            "Le mot de passe doit comporter de 8 à 128 caractères.",
            "Het wachtwoord moet 8 tot 128 tekens lang zijn.",
        ],
        "U102" => [
            "A user with this email already exists.",
            "Es gibt bereits einen Benutzer mit dieser E-Mail-Adresse.",
            "Un utilisateur avec cette adresse e-mail existe déjà.",
            "Er bestaat al een gebruiker met dit e-mailadres.",
        ],
        "U106" => [
            "The user could not be found.",
            "Der Benutzer wurde nicht gefunden.",
            "L'utilisateur est introuvable.",
            "De gebruiker is niet gevonden.",
        ],
        "U131" => [
            "Your account is locked after too many failed sign-ins. Please try again later.",
            "Dein Konto ist nach zu vielen fehlgeschlagenen Anmeldungen gesperrt. Bitte versuche es später erneut.",
            "Votre compte est bloqué après trop de connexions échouées. Veuillez réessayer plus tard.",
            "Je account is geblokkeerd na te veel mislukte aanmeldingen. Probeer het later opnieuw.",
        ],
        "REQ429" => [
            "Too many attempts. Please wait a moment.",
            "Zu viele Versuche. Bitte warte einen Moment.",
            "Trop de tentatives. Veuillez patienter un instant.",
            "Te veel pogingen. Wacht even.",
        ],
        "U130.3" => [
            "A valid email address must be set.",
            "Eine gültige E-Mail-Adresse muss angegeben werden.",
            "Une adresse e-mail valide doit être renseignée.",
            "Er moet een geldig e-mailadres worden opgegeven.",
        ],
        "T404" => [
            "This operator does not exist.",
            "Diesen Betreiber gibt es nicht.",
            "Cet opérateur n'existe pas.",
            "Deze aanbieder bestaat niet.",
        ],
        "REQ400" => [
            "The request is not valid.",
            "Die Anfrage ist ungültig.",
            "La requête n'est pas valide.",
            "Het verzoek is ongeldig.",
        ],
        "REQ404" => ["There is nothing here.", "Hier gibt es nichts.", "Il n'y a rien ici.", "Hier is niets."],
        "REQ405" => [
            "This method is not allowed here.",
            "Diese Methode ist hier nicht erlaubt.",
            "Cette méthode n'est pas autorisée ici.",
            "Deze methode is hier niet toegestaan.",
        ],
        "REQ413" => [
            "The request is too large.",
            "Die Anfrage ist zu groß.",
            "La requête est trop volumineuse.",
            "Het verzoek is te groot.",
        ],
        "REQ415" => [
            "The request body must be JSON.",
            "Der Inhalt der Anfrage muss JSON sein.",
            "Le corps de la requête doit être du JSON.",
            "De inhoud van het verzoek moet JSON zijn.",
        ],
        "SRV503" => [
            "The service is busy. Please try again.",
            "Der Dienst ist ausgelastet. Bitte versuche es erneut.",
            "Le service est surchargé. Veuillez réessayer.",
            "De dienst is bezet. Probeer het opnieuw.",
        ],
        _ => [
            "Something went wrong on our side.",
            "Bei uns ist etwas schiefgelaufen.",
            "Une erreur s'est produite de notre côté.",
            "Er ging bij ons iets mis.",
        ],
    };
    match language {
        Language::En => en,
        Language::De => de,
        Language::Fr => fr,
        Language::Nl => nl,
    }
}

pub async fn not_found() -> SuiteError {
    SuiteError(ApiError::NotFound)
}

pub async fn method_not_allowed() -> SuiteError {
    SuiteError(ApiError::MethodNotAllowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_best_supported_language() {
        assert_eq!(pick_language(None), Language::En);
        assert_eq!(pick_language(Some("de-CH")), Language::De);
        assert_eq!(pick_language(Some("es, fr;q=0.5, nl;q=0.8")), Language::Nl);
        assert_eq!(pick_language(Some("ja, it")), Language::En);
        assert_eq!(pick_language(Some("de;q=0, fr")), Language::Fr);
        assert_eq!(pick_language(Some(";;,,q=")), Language::En);
    }

    #[test]
    fn every_code_has_its_own_message_in_four_languages() {
        let codes = [
            "A101", "A201", "A202", "A203", "A204", "A205", "A206", "A207", "A208", "A209", "A210", "A211", "A212",
            "SRV503.1", "U101", "U102", "U106", "U130.3", "U131", "T404", "REQ400", "REQ404", "REQ405", "REQ413",
            "REQ415", "REQ429", "SRV503",
        ];
        let fallback = message("SRV500", Language::En);
        for code in codes {
            let all = [Language::En, Language::De, Language::Fr, Language::Nl].map(|l| message(code, l));
            assert_ne!(all[0], fallback, "{code} has no message");
            for (i, m) in all.iter().enumerate() {
                assert!(all.iter().skip(i + 1).all(|other| other != m), "{code}: a language repeats another");
            }
        }
    }
}
