"""Support periods of Linux releases: data, compared by `host_os_supported` with the scan's own date.

`security_until` is the last day the distribution publishes security updates for the release
without a paid add-on (Debian: the end of Debian LTS, which ships through the regular
security archive; Ubuntu: the end of standard support, since ESM needs Ubuntu Pro; RHEL and
rebuilds: the end of the maintenance phase). Sources: distro-info-data (debian.csv,
ubuntu.csv), the Red Hat Enterprise Linux life cycle page, the Amazon Linux FAQs.
Update this table when a release is added or its dates move.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class Release:
    distro: str  # os-release ID
    version: str  # os-release VERSION_ID, or its major part for RHEL-like systems
    name: str
    security_until: date
    standard_until: date | None = None  # when it differs: the date the extended phase began


RELEASES: tuple[Release, ...] = (
    Release("debian", "9", "Debian 9 (stretch)", date(2022, 6, 30), date(2020, 7, 18)),
    Release("debian", "10", "Debian 10 (buster)", date(2024, 6, 30), date(2022, 9, 10)),
    Release("debian", "11", "Debian 11 (bullseye)", date(2026, 8, 31), date(2024, 8, 14)),
    Release("debian", "12", "Debian 12 (bookworm)", date(2028, 6, 30), date(2026, 7, 11)),
    Release("debian", "13", "Debian 13 (trixie)", date(2030, 6, 30), date(2028, 8, 9)),
    Release("ubuntu", "16.04", "Ubuntu 16.04 LTS", date(2021, 4, 30)),
    Release("ubuntu", "18.04", "Ubuntu 18.04 LTS", date(2023, 5, 31)),
    Release("ubuntu", "20.04", "Ubuntu 20.04 LTS", date(2025, 5, 29)),
    Release("ubuntu", "22.04", "Ubuntu 22.04 LTS", date(2027, 6, 1)),
    Release("ubuntu", "24.04", "Ubuntu 24.04 LTS", date(2029, 5, 31)),
    Release("ubuntu", "24.10", "Ubuntu 24.10", date(2025, 7, 10)),
    Release("ubuntu", "25.04", "Ubuntu 25.04", date(2026, 1, 15)),
    Release("ubuntu", "25.10", "Ubuntu 25.10", date(2026, 7, 9)),
    Release("ubuntu", "26.04", "Ubuntu 26.04 LTS", date(2031, 5, 29)),
    *(Release(d, "7", f"{n} 7", date(2024, 6, 30)) for d, n in (("rhel", "RHEL"), ("centos", "CentOS"))),
    *(Release(d, "8", f"{n} 8", date(2029, 5, 31)) for d, n in (("rhel", "RHEL"), ("almalinux", "AlmaLinux"),
                                                                  ("rocky", "Rocky Linux"), ("ol", "Oracle Linux"))),
    *(Release(d, "9", f"{n} 9", date(2032, 5, 31)) for d, n in (("rhel", "RHEL"), ("almalinux", "AlmaLinux"),
                                                                  ("rocky", "Rocky Linux"), ("ol", "Oracle Linux"))),
    *(Release(d, "10", f"{n} 10", date(2035, 5, 31)) for d, n in (("rhel", "RHEL"), ("almalinux", "AlmaLinux"),
                                                                    ("rocky", "Rocky Linux"))),
    Release("centos", "8", "CentOS Linux 8 / Stream 8", date(2024, 5, 31)),
    Release("centos", "9", "CentOS Stream 9", date(2027, 5, 31)),
    Release("amzn", "2018.03", "Amazon Linux AMI 2018.03", date(2023, 12, 31)),
    Release("amzn", "2", "Amazon Linux 2", date(2026, 6, 30)),
    Release("amzn", "2023", "Amazon Linux 2023", date(2029, 6, 30)),
)

#: Distributions whose VERSION_ID carries a minor release (9.4) but whose support follows the major.
_BY_MAJOR = frozenset({"rhel", "centos", "almalinux", "rocky", "ol"})


def find_release(distro: str, version: str) -> Release | None:
    key = version.split(".", 1)[0] if distro in _BY_MAJOR else version
    return next((r for r in RELEASES if r.distro == distro and r.version == key), None)
