"""Multi-agency training: a catalogue, sessions, bookings and waiting lists, attendance, certificates and
evaluation, offered by one partnership or shared by several."""
