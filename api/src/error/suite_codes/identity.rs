//! The suite codes of identity verification (`U5xx`: a driving licence or an identity document
//! checked at a provider, `verification/init`).
use super::SuiteCode;

suite_codes! {
    U501 = "U501" [
        "This type of verification is not available.",
        "Diese Art der Überprüfung ist nicht verfügbar.",
        "Ce type de vérification n'est pas disponible.",
        "Dit soort verificatie is niet beschikbaar.",
    ]
    U502 = "U502" [
        "The return address of the verification is not valid.",
        "Die Rücksprungadresse der Überprüfung ist ungültig.",
        "L'adresse de retour de la vérification n'est pas valide.",
        "Het terugkeeradres van de verificatie is ongeldig.",
    ]
    U503 = "U503" [
        "This document is verified already.",
        "Dieses Dokument ist bereits überprüft.",
        "Ce document est déjà vérifié.",
        "Dit document is al geverifieerd.",
    ]
    U504 = "U504" [
        "There is no verification in progress.",
        "Es läuft keine Überprüfung.",
        "Aucune vérification n'est en cours.",
        "Er loopt geen verificatie.",
    ]
    U505 = "U505" [
        "The verification service cannot be reached. Please try again later.",
        "Der Überprüfungsdienst ist nicht erreichbar. Bitte versuche es später erneut.",
        "Le service de vérification est injoignable. Veuillez réessayer plus tard.",
        "De verificatiedienst is niet bereikbaar. Probeer het later opnieuw.",
    ]
}
