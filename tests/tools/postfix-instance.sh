#!/usr/bin/env bash
# A throw-away Postfix instance on loopback, for interop tests and the benchmark reference.
#
#   postfix-instance.sh start DIR PORT RELAY_PORT   listen on 127.0.0.1:PORT, relay all mail to
#                                                   127.0.0.1:RELAY_PORT (our server)
#   postfix-instance.sh start DIR PORT discard      listen on 127.0.0.1:PORT, queue durably,
#                                                   then discard (the benchmark reference)
#   postfix-instance.sh stop DIR
#
# Needs root (Postfix drops to its own user) and Debian's postfix package. Its log is DIR/maillog.
set -euo pipefail
action=$1 dir=$2

if [ "$action" = stop ]; then
  postfix -c "$dir" stop >/dev/null 2>&1 || true
  exit 0
fi

port=$3 target=$4
command -v postfix >/dev/null || { echo "postfix is not installed" >&2; exit 2; }
mkdir -p "$dir/queue" "$dir/data"
cp /etc/postfix/master.cf.proto "$dir/master.cf" 2>/dev/null || cp /usr/share/postfix/master.cf.dist "$dir/master.cf"
# Our own listener instead of port 25, and no chroot (the instance's queue is not set up for one).
sed -i -E 's/^smtp( +)inet( +)n( +)-( +)y( +)-( +)-( +)smtpd/127.0.0.1:'"$port"' inet n - n - - smtpd/' "$dir/master.cf"
sed -i -E 's/^([a-z0-9]+ +(unix|inet|fifo|pass|unix-dgram) +[-ny] +[-ny] +)y /\1n /' "$dir/master.cf"

if [ "$target" = discard ]; then
  transport="default_transport = discard:
relayhost ="
else
  transport="relayhost = [127.0.0.1]:$target"
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
smtpd_relay_restrictions = permit_mynetworks, reject
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
