//! The vehicle.
use super::*;

#[test]
fn changing_the_vehicle_records_the_new_plate() {
    UserTest::with(())
        .given(vec![registered(None)])
        .when(UserCommand::ChangeVehicle { license_plate: plate("123abc"), at: at() })
        .then_expect_events(vec![UserEvent::VehicleChanged { license_plate: plate("123abc"), changed_at: at() }]);
}

#[test]
fn setting_the_same_plate_again_changes_nothing() {
    UserTest::with(())
        .given(vec![registered(None), UserEvent::VehicleChanged { license_plate: plate("123abc"), changed_at: at() }])
        .when(UserCommand::ChangeVehicle { license_plate: plate(" 123abc "), at: at() })
        .then_expect_events(vec![]);
}

#[test]
fn an_unregistered_user_has_no_vehicle_to_change() {
    UserTest::with(())
        .given_no_previous_events()
        .when(UserCommand::ChangeVehicle { license_plate: plate("1"), at: at() })
        .then_expect_error(UserError::NotRegistered);
}
