#!/usr/bin/python3
# Writes rendez-vous.ics as a town hall's appointment book exports it
# (iCalendar, RFC 5545), with the icalendar package: events with their
# attendees (a name in CN, an address in mailto:), descriptions holding a
# phone number, lines folded at 75 octets, a time zone and an alarm.
# Debian: apt-get install python3-icalendar. Run from this folder:
# /usr/bin/python3 make.py
import datetime
from icalendar import Calendar, Event, Alarm, Timezone, TimezoneStandard, vCalAddress, vText

cal = Calendar()
cal.add("prodid", "-//Mairie d'Exemple//Rendez-vous//FR")
cal.add("version", "2.0")
cal.add("x-wr-calname", "Rendez-vous titres d'identité")
tz = Timezone(); tz.add("tzid", "Europe/Paris")
std = TimezoneStandard(); std.add("dtstart", datetime.datetime(1970, 10, 25, 3, 0)); std.add("tzoffsetfrom", datetime.timedelta(hours=2)); std.add("tzoffsetto", datetime.timedelta(hours=1)); std.add("tzname", "CET")
tz.add_component(std); cal.add_component(tz)
for uid, when, cn, mail, desc in [
    ("rdv-1@mairie-exemple.fr", datetime.datetime(2026, 3, 14, 9, 30), "Renée Faure", "renee.faure@exemple.fr",
     "Demande de passeport. Téléphone : 06 98 76 54 32. Née le 12/05/1985 à Lyon, pièce d'identité actuelle n° 19AB12345."),
    ("rdv-2@mairie-exemple.fr", datetime.datetime(2026, 3, 14, 10, 0), "Jean Martin", "jean.martin@exemple.fr",
     "Carte nationale d'identité, rappeler au 0612345678"),
]:
    e = Event()
    e.add("uid", uid)
    e.add("dtstamp", datetime.datetime(2026, 3, 1, 8, 0, tzinfo=datetime.timezone.utc))
    e.add("dtstart", when)
    e.add("summary", "Rendez-vous titre d'identité - " + cn)
    e.add("description", desc)
    e.add("location", "Mairie d'Exemple, guichet 2, 1 place de la Mairie, 69003 Lyon")
    a = vCalAddress("mailto:" + mail); a.params["cn"] = vText(cn); a.params["role"] = vText("REQ-PARTICIPANT")
    e.add("attendee", a, encode=0)
    o = vCalAddress("mailto:etat-civil@mairie-exemple.fr"); o.params["cn"] = vText("Service État civil")
    e.add("organizer", o, encode=0)
    al = Alarm(); al.add("action", "DISPLAY"); al.add("description", "Rappel"); al.add("trigger", datetime.timedelta(minutes=-30))
    e.add_component(al)
    cal.add_component(e)
with open("rendez-vous.ics", "wb") as f:
    f.write(cal.to_ical())
