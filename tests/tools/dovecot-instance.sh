#!/usr/bin/env bash
# A throw-away Dovecot on loopback, for the IMAP/POP3 cross-check and the benchmark reference.
#
#   dovecot-instance.sh start DIR IMAP_PORT POP3_PORT USER PASSWORD
#       Maildir mail under DIR/mail/USER, one user from a passwd-file, plaintext auth allowed
#       on loopback (no TLS), fsync as Dovecot does by default.
#   dovecot-instance.sh stop DIR
#
# Needs Debian's dovecot-imapd and dovecot-pop3d. Runs as root with the mail owned by a
# system user (dovenull would not do: it may not own mail), so we use 'mail'.
set -euo pipefail
action=$1 dir=$2

if [ "$action" = stop ]; then
  if [ -f "$dir/dovecot.conf" ]; then doveadm -c "$dir/dovecot.conf" stop >/dev/null 2>&1 || true; fi
  exit 0
fi

imap_port=$3 pop3_port=$4 user=$5 password=$6
command -v dovecot >/dev/null || { echo "dovecot is not installed" >&2; exit 2; }
mkdir -p "$dir/mail" "$dir/run" "$dir/state"
uid=$(id -u mail) gid=$(id -g mail)
chown mail:mail "$dir/mail"
echo "$user:{PLAIN}$password:$uid:$gid::$dir/mail/$user" > "$dir/users"

cat > "$dir/dovecot.conf" <<CONF
protocols = imap pop3
listen = 127.0.0.1
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = ${DOVECOT_MAIL_LOCATION:-maildir:~/Maildir}
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users
}
userdb {
  driver = passwd-file
  args = username_format=%u $dir/users
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $imap_port
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $pop3_port
  }
  inet_listener pop3s {
    port = 0
  }
}
protocol imap {
  mail_max_userip_connections = 1000
}
CONF

# Detached from our stdout: the daemon would otherwise hold the caller's pipe open.
dovecot -c "$dir/dovecot.conf" </dev/null >/dev/null 2>&1
for _ in $(seq 1 50); do
  if (exec 3<>/dev/tcp/127.0.0.1/"$imap_port") 2>/dev/null; then exit 0; fi
  sleep 0.1
done
echo "dovecot did not start; see $dir/dovecot.log" >&2
tail -5 "$dir/dovecot.log" >&2 || true
exit 1
