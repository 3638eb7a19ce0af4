"""The simulated community of the demo: names and where in the world they live."""

FIRST_NAMES = (
    "Ada",
    "Bilal",
    "Chen",
    "Dana",
    "Emeka",
    "Farah",
    "Goran",
    "Hana",
    "Ines",
    "Jonas",
    "Kavya",
    "Luis",
    "Mei",
    "Nadia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sami",
    "Tomas",
    "Uma",
    "Viktor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoe",
)

TIMEZONES = (
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Africa/Lagos",
    "Europe/Warsaw",
)

# when members say they can meet, in their own time: evenings, mornings, lunch, weekends
AVAILABILITY = (
    "mon-fri 18:00-22:00, sat-sun 09:00-21:00",
    "weekdays 07:00-09:00, weekdays 19:00-23:00, sat-sun 08:00-20:00",
    "daily 12:00-14:00, sat-sun 09:00-22:00",
    "tue-fri 17:00-22:00, sat-sun 10:00-20:00",
    "daily 07:00-10:00, daily 19:00-22:00",
    "mon-sat 18:00-23:00, sun 09:00-18:00",
)
