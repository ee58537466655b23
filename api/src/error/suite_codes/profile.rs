//! The suite codes of the profile (`U1xx`: what a `PATCH /customers` refuses) and of its
//! verification (`U3xx` phone, `U4xx` email).
use super::SuiteCode;

suite_codes! {
    U111 = "U111" [
        "The country must be set.",
        "Das Land muss angegeben werden.",
        "Le pays doit être renseigné.",
        "Het land moet worden ingevuld.",
    ]
    U120 = "U120" [
        "You are not allowed to change this data.",
        "Diese Daten darfst du nicht ändern.",
        "Vous n'êtes pas autorisé à modifier ces données.",
        "Je mag deze gegevens niet wijzigen.",
    ]
    U130_2 = "U130.2" [
        "An email address or a phone number must be set.",
        "Eine E-Mail-Adresse oder Telefonnummer muss angegeben sein.",
        "Une adresse e-mail ou un numéro de téléphone doit être renseigné.",
        "Een e-mailadres of telefoonnummer moet zijn ingevuld.",
    ]
    U130_4 = "U130.4" [
        "The phone number is not valid.",
        "Die Telefonnummer ist ungültig.",
        "Le numéro de téléphone n'est pas valide.",
        "Het telefoonnummer is ongeldig.",
    ]
    U130_5 = "U130.5" [
        "The first name is missing or not valid.",
        "Der Vorname fehlt oder ist ungültig.",
        "Le prénom est manquant ou invalide.",
        "De voornaam ontbreekt of is ongeldig.",
    ]
    U130_6 = "U130.6" [
        "The last name is missing or not valid.",
        "Der Nachname fehlt oder ist ungültig.",
        "Le nom de famille est manquant ou invalide.",
        "De achternaam ontbreekt of is ongeldig.",
    ]
    U130_7 = "U130.7" [
        "The birth date is missing or not valid.",
        "Das Geburtsdatum fehlt oder ist ungültig.",
        "La date de naissance est manquante ou invalide.",
        "De geboortedatum ontbreekt of is ongeldig.",
    ]
    U132 = "U132" [
        "You are younger than the minimum age.",
        "Du bist jünger als das Mindestalter.",
        "Vous n'avez pas l'âge minimum requis.",
        "Je bent jonger dan de minimumleeftijd.",
    ]
    U133 = "U133" [
        "The birth date is beyond the maximum age.",
        "Das Geburtsdatum liegt über dem Höchstalter.",
        "La date de naissance dépasse l'âge maximum.",
        "De geboortedatum valt buiten de maximumleeftijd.",
    ]
    U135 = "U135" [
        "The street is missing.",
        "Die Strasse fehlt.",
        "La rue est manquante.",
        "De straat ontbreekt.",
    ]
    U136 = "U136" [
        "The postcode is missing.",
        "Die Postleitzahl fehlt.",
        "Le code postal est manquant.",
        "De postcode ontbreekt.",
    ]
    U137 = "U137" [
        "The city is missing.",
        "Der Ort fehlt.",
        "La ville est manquante.",
        "De plaats ontbreekt.",
    ]
    U138 = "U138" [
        "The country is missing.",
        "Das Land fehlt.",
        "Le pays est manquant.",
        "Het land ontbreekt.",
    ]
    U140 = "U140" [
        "The email address could not be changed.",
        "Die E-Mail-Adresse konnte nicht geändert werden.",
        "L'adresse e-mail n'a pas pu être modifiée.",
        "Het e-mailadres kon niet worden gewijzigd.",
    ]
    U141 = "U141" [
        "This email address is already used by another account.",
        "Diese E-Mail-Adresse wird bereits von einem anderen Konto verwendet.",
        "Cette adresse e-mail est déjà utilisée par un autre compte.",
        "Dit e-mailadres wordt al door een ander account gebruikt.",
    ]
    U134 = "U134" [
        "Your account cannot be deleted while invoices are unpaid.",
        "Dein Konto kann nicht gelöscht werden, solange Rechnungen offen sind.",
        "Votre compte ne peut pas être supprimé tant que des factures sont impayées.",
        "Je account kan niet worden verwijderd zolang er onbetaalde facturen zijn.",
    ]
    U301 = "U301" [
        "There is no phone number to verify.",
        "Es gibt keine Telefonnummer zu bestätigen.",
        "Il n'y a pas de numéro de téléphone à vérifier.",
        "Er is geen telefoonnummer om te verifiëren.",
    ]
    U302 = "U302" [
        "The verification code is wrong or has expired.",
        "Der Bestätigungscode ist falsch oder abgelaufen.",
        "Le code de vérification est erroné ou a expiré.",
        "De verificatiecode is onjuist of verlopen.",
    ]
}
