#!/usr/bin/env bash
# A throw-away Postfix instance on loopback, for interop tests, the relay tests and the benchmark reference.
#
#   postfix-instance.sh start DIR PORT TARGET [USER PASSWORD]
#       listen on 127.0.0.1:PORT and relay all mail to TARGET, which is
#         RELAY_PORT       our server on 127.0.0.1:RELAY_PORT
#         HOST:PORT        a server elsewhere on loopback (e.g. 127.0.0.3:2525)
#         discard          queue durably, then discard (the benchmark reference)
#       With USER and PASSWORD Postfix is a smarthost that relays only after SMTP AUTH (PLAIN or
#       LOGIN, checked by a throw-away Dovecot auth service on a socket in Postfix's queue
#       directory): unauthenticated relay gets 554 5.7.1. It then also offers STARTTLS with a
#       self-signed certificate (DIR/tls.crt), and allows AUTH without it (loopback only).
#   postfix-instance.sh stop DIR
#
# Needs root (Postfix drops to its own user) and Debian's postfix package (and dovecot-core for
# AUTH). Its log is DIR/maillog; Dovecot's is DIR/dovecot/dovecot.log.
set -euo pipefail
action=$1 dir=$2

if [ "$action" = stop ]; then
  postfix -c "$dir" stop >/dev/null 2>&1 || true
  if [ -f "$dir/dovecot/dovecot.conf" ]; then
    pid=$(cat "$dir/dovecot/run/master.pid" 2>/dev/null || true)
    doveadm -c "$dir/dovecot/dovecot.conf" stop >/dev/null 2>&1 || true
    # doveadm has been seen to leave the master running: end that one process (ours, by its pid file).
    if [ -n "$pid" ] && [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = dovecot ]; then kill "$pid" 2>/dev/null || true; fi
  fi
  exit 0
fi

port=$3 target=$4 user=${5:-} password=${6:-}
command -v postfix >/dev/null || { echo "postfix is not installed" >&2; exit 2; }
if [ -n "$user" ]; then command -v dovecot >/dev/null || { echo "dovecot is not installed (SASL backend for AUTH)" >&2; exit 2; }; fi
mkdir -p "$dir/queue" "$dir/data"
cp /etc/postfix/master.cf.proto "$dir/master.cf" 2>/dev/null || cp /usr/share/postfix/master.cf.dist "$dir/master.cf"
# Our own listener instead of port 25, and no chroot (the instance's queue is not set up for one).
sed -i -E 's/^smtp( +)inet( +)n( +)-( +)y( +)-( +)-( +)smtpd/127.0.0.1:'"$port"' inet n - n - - smtpd/' "$dir/master.cf"
sed -i -E 's/^([a-z0-9]+ +(unix|inet|fifo|pass|unix-dgram) +[-ny] +[-ny] +)y /\1n /' "$dir/master.cf"

case "$target" in
  discard) transport="default_transport = discard:
relayhost =" ;;
  *:*) transport="relayhost = [${target%:*}]:${target##*:}" ;;
  *) transport="relayhost = [127.0.0.1]:$target" ;;
esac

relay="smtpd_relay_restrictions = permit_mynetworks, reject"
if [ -n "$user" ]; then
  # Dovecot answers Postfix's SASL questions on DIR/queue/private/auth (smtpd_sasl_path is
  # relative to the queue directory); it serves no mail protocol.
  mkdir -p "$dir/dovecot/run" "$dir/dovecot/state" "$dir/queue/private"
  chown postfix "$dir/queue/private"; chmod 700 "$dir/queue/private"
  echo "$user:{PLAIN}$password" > "$dir/dovecot/users"
  cat > "$dir/dovecot/dovecot.conf" <<DOVECOT
protocols =
base_dir = $dir/dovecot/run
state_dir = $dir/dovecot/state
instance_name = dovecot-$(basename "$dir")
log_path = $dir/dovecot/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/dovecot/users
}
userdb {
  driver = static
  args = uid=postfix gid=postfix home=$dir/dovecot
}
service auth {
  unix_listener $dir/queue/private/auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
DOVECOT
  # Its own stdio: the daemon must not hold the caller's pipes open.
  dovecot -c "$dir/dovecot/dovecot.conf" </dev/null >/dev/null 2>&1 || { echo "dovecot (SASL) did not start; see $dir/dovecot/dovecot.log" >&2; exit 1; }
  for _ in $(seq 1 50); do [ -S "$dir/queue/private/auth" ] && break; sleep 0.1; done
  [ -S "$dir/queue/private/auth" ] || { echo "dovecot made no auth socket" >&2; tail -5 "$dir/dovecot/dovecot.log" >&2 || true; exit 1; }

  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=postfix.test" \
    -keyout "$dir/tls.key" -out "$dir/tls.crt" >/dev/null 2>&1
  chmod 600 "$dir/tls.key"
  # mynetworks alone never relays: only an authenticated client does.
  relay="smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
smtpd_tls_auth_only = no
smtpd_tls_security_level = may
smtpd_tls_cert_file = $dir/tls.crt
smtpd_tls_key_file = $dir/tls.key"
fi

cat > "$dir/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = postfix.test
mydestination =
mynetworks = 127.0.0.0/8
$relay
smtp_tls_security_level = none
smtp_dns_support_level = disabled
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
default_process_limit = 100
$transport
CONF

# The default instance must know about alternate configuration directories.
if [ ! -f /etc/postfix/main.cf ]; then
  echo "alternate_config_directories = $dir" > /etc/postfix/main.cf
elif ! grep -q "alternate_config_directories" /etc/postfix/main.cf; then
  echo "alternate_config_directories = $dir" >> /etc/postfix/main.cf
fi

chown postfix "$dir/data"
postfix -c "$dir" set-permissions >/dev/null 2>&1 || true
postfix -c "$dir" start >/dev/null 2>&1 || { echo "postfix did not start; see $dir/maillog" >&2; tail -5 "$dir/maillog" >&2 || true; exit 1; }
for _ in $(seq 1 50); do
  if (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then exit 0; fi
  sleep 0.1
done
echo "postfix started but does not listen on 127.0.0.1:$port" >&2
exit 1
