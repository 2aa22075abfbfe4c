"""Build directory trees that look like a Linux system's files, for `--root` scans in tests."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

DEBIAN_12 = {
    "/etc/os-release": 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\n'
                       "VERSION_CODENAME=bookworm\nID=debian\n",
    "/etc/hostname": "imagehost\n",
    "/etc/passwd": "root:x:0:0:root:/root:/bin/bash\nadmin:x:1000:1000::/home/admin:/bin/bash\n",
    "/etc/shadow": "root:*:19000:0:99999:7:::\nadmin:$y$j9T$salt$hash:19000:0:99999:7:::\n",
    "/etc/group": "root:x:0:\nsudo:x:27:admin\nadmin:x:1000:\n",
    "/etc/ssh/sshd_config": "Include /etc/ssh/sshd_config.d/*.conf\nKbdInteractiveAuthentication no\nUsePAM yes\n",
    "/etc/sudoers": "Defaults env_reset\nroot ALL=(ALL:ALL) ALL\n%sudo ALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n",
    "/proc/1/comm": "systemd\n",
}

#: What an image with auditd installed and hardened adds (Debian's auditd package layout).
AUDITD = {
    "/usr/sbin/auditd": "",
    "/etc/audit/auditd.conf": "log_file = /var/log/audit/audit.log\nlog_group = adm\nmax_log_file = 8\n"
                              "max_log_file_action = keep_logs\n",
    "/etc/audit/rules.d/50-cis.rules": """\
-w /etc/passwd -p wa -k identity
-w /etc/shadow -p wa -k identity
-w /etc/group -p wa -k identity
-w /etc/gshadow -p wa -k identity
-w /etc/sudoers -p wa -k scope
-w /etc/sudoers.d -p wa -k scope
-w /var/log/lastlog -p wa -k logins
-w /var/run/faillock -p wa -k logins
-a always,exit -F arch=b64 -S adjtimex,settimeofday,clock_settime -k time-change
-w /etc/localtime -p wa -k time-change
-a always,exit -F arch=b64 -S chmod,fchmod,fchmodat -F auid>=1000 -F auid!=unset -k perm_mod
-a always,exit -F arch=b64 -S chown,fchown,fchownat,lchown -F auid>=1000 -F auid!=unset -k perm_mod
-a always,exit -F arch=b64 -S setxattr,lsetxattr,fsetxattr,removexattr -F auid>=1000 -F auid!=unset -k perm_mod
-a always,exit -F arch=b64 -S init_module,finit_module,delete_module -k kernel_modules
-a always,exit -F path=/usr/bin/sudo -F perm=x -F auid>=1000 -F auid!=unset -k privileged
""",
    "/etc/audit/rules.d/99-finalize.rules": "-e 2\n",
    "/var/log/audit/audit.log": "type=DAEMON_START msg=audit(1700000000.000:1): op=start\n",
    "/proc/612/comm": "auditd\n",
}
AUDITD_MODES = {"/var/log/audit": 0o750, "/var/log/audit/audit.log": 0o600, "/etc/audit": 0o750}
AUDITD_LINKS = {"/etc/systemd/system/multi-user.target.wants/auditd.service": "/lib/systemd/system/auditd.service"}


def make_root(base: Path, files: Mapping[str, str], modes: Mapping[str, int] | None = None,
              links: Mapping[str, str] | None = None) -> Path:
    for path, content in files.items():
        target = base / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    for path, mode in (modes or {}).items():
        os.chmod(base / path.lstrip("/"), mode)
    for path, to in (links or {}).items():
        link = base / path.lstrip("/")
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(to)  # dangling inside the tree, as enablement links of a mounted image are
    return base
