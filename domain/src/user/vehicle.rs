//! The user's vehicle; setting the plate it has already changes nothing.
use super::{User, UserError, UserEvent};
use crate::values::LicensePlate;
use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;

impl User {
    pub(super) async fn change_vehicle(
        &mut self,
        license_plate: LicensePlate,
        at: DateTime<Utc>,
        sink: &EventSink<Self>,
    ) -> Result<(), UserError> {
        if !self.registered {
            return Err(UserError::NotRegistered);
        }
        if self.license_plate.as_ref() != Some(&license_plate) {
            sink.write(UserEvent::VehicleChanged { license_plate, changed_at: at }, self).await;
        }
        Ok(())
    }
}
