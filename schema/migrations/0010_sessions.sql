-- Sessions and conversions: what the experience of a visit's first page was worth.
--
-- Conversions. A site's `conversions` setting names the events that count as one, their
-- value being revenue (rumhouse('event', 'purchase', 49.9)). The collector marks each event
-- as it arrives (conversion), by the setting of that moment: a changed setting applies to
-- the events received from then on, and what is stored never depends on today's settings.
-- Events stay append-only; seq (the beacon's) and position (the event's place in that
-- beacon) name an event within its page view, so that a beacon received twice counts its
-- conversions once. Events stored before this migration are no conversions.
ALTER TABLE events ADD COLUMN IF NOT EXISTS seq UInt32 AFTER value;

ALTER TABLE events ADD COLUMN IF NOT EXISTS position UInt8 AFTER seq;

ALTER TABLE events ADD COLUMN IF NOT EXISTS conversion Bool AFTER position;
