"""A Mailpit API client written from Mailpit's published API description (api/v1), not from our code.

It only knows what a tool written for Mailpit knows: the endpoints, their JSON field names and
HTTP Basic auth. MailpitApi.Tests.ps1 runs it against our server. Each command prints JSON.

  mailpit_client.py BASE [--user U --password P] list [START LIMIT]
  mailpit_client.py BASE ... search QUERY
  mailpit_client.py BASE ... message ID            (the message JSON; marks it read)
  mailpit_client.py BASE ... raw ID                (prints the raw source as a JSON string)
  mailpit_client.py BASE ... part ID PARTID FILE   (saves the part; prints its Content-Type and Content-Disposition)
  mailpit_client.py BASE ... delete [ID ...]       (none: delete all)
  mailpit_client.py BASE ... info
  mailpit_client.py BASE ... status PATH           (prints the HTTP status of GET PATH)
  mailpit_client.py BASE ... wait-new SMTPPORT     (opens /api/v1/events, sends a message by SMTP, prints the `new` event)
"""
import base64
import json
import smtplib
import sys
import urllib.error
import urllib.parse
import urllib.request
from email.message import EmailMessage

# The fields Mailpit's API documents for a message summary and for a message.
SUMMARY_FIELDS = ["ID", "MessageID", "Read", "From", "To", "Cc", "Bcc", "ReplyTo", "Subject", "Created", "Tags", "Size", "Attachments", "Snippet"]
MESSAGE_FIELDS = ["ID", "MessageID", "From", "To", "Cc", "Bcc", "ReplyTo", "ReturnPath", "Subject", "Date", "Tags", "Text", "HTML", "Size", "Inline", "Attachments"]
ATTACHMENT_FIELDS = ["PartID", "FileName", "ContentType", "ContentID", "Size"]
LIST_FIELDS = ["total", "unread", "count", "messages_count", "start", "tags", "messages"]


class Client:
    def __init__(self, base, user=None, password=None):
        self.base = base.rstrip("/")
        self.headers = {}
        if user is not None:
            token = base64.b64encode(f"{user}:{password}".encode("utf-8")).decode("ascii")
            self.headers["Authorization"] = "Basic " + token

    def request(self, method, path, body=None):
        data = json.dumps(body).encode("utf-8") if body is not None else None
        headers = dict(self.headers)
        if data is not None:
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        return urllib.request.urlopen(req, timeout=20)

    def json(self, method, path, body=None):
        with self.request(method, path, body) as response:
            return json.loads(response.read().decode("utf-8"))

    def messages(self, start=0, limit=50):
        result = self.json("GET", f"/api/v1/messages?start={start}&limit={limit}")
        check(result, LIST_FIELDS, "messages list")
        for summary in result["messages"]:
            check(summary, SUMMARY_FIELDS, "message summary")
            check(summary["From"], ["Name", "Address"], "From")
        return result

    def search(self, query):
        result = self.json("GET", "/api/v1/search?query=" + urllib.parse.quote(query))
        check(result, LIST_FIELDS, "search result")
        return result

    def message(self, message_id):
        result = self.json("GET", "/api/v1/message/" + urllib.parse.quote(message_id))
        check(result, MESSAGE_FIELDS, "message")
        for attachment in result["Attachments"] + result["Inline"]:
            check(attachment, ATTACHMENT_FIELDS, "attachment")
        return result

    def raw(self, message_id):
        with self.request("GET", f"/api/v1/message/{urllib.parse.quote(message_id)}/raw") as response:
            return response.read().decode("utf-8")

    def part(self, message_id, part_id, path):
        with self.request("GET", f"/api/v1/message/{urllib.parse.quote(message_id)}/part/{urllib.parse.quote(part_id)}") as response:
            with open(path, "wb") as f:
                f.write(response.read())
            return {"ContentType": response.headers.get("Content-Type"), "ContentDisposition": response.headers.get("Content-Disposition")}

    def delete(self, ids):
        body = {"IDs": ids} if ids else None
        with self.request("DELETE", "/api/v1/messages", body) as response:
            return {"status": response.status, "body": response.read().decode("utf-8")}

    def status(self, path):
        try:
            with self.request("GET", path) as response:
                return {"status": response.status}
        except urllib.error.HTTPError as e:
            return {"status": e.code, "WWW-Authenticate": e.headers.get("WWW-Authenticate")}

    def wait_new(self, smtp_port):
        """Opens the event stream, sends a message by SMTP, and returns the first `new` event's data."""
        with self.request("GET", "/api/v1/events") as stream:
            assert stream.headers.get("Content-Type", "").startswith("text/event-stream"), stream.headers.get("Content-Type")
            stream.readline()  # ": connected", sent once the stream is open
            msg = EmailMessage()
            msg["From"] = "events@example.org"
            msg["To"] = "ann@example.com"
            msg["Subject"] = "Live event"
            msg.set_content("arrives while the stream is open")
            with smtplib.SMTP("127.0.0.1", smtp_port, timeout=20) as s:
                s.send_message(msg)
            event = None
            for raw_line in stream:
                line = raw_line.decode("utf-8").rstrip("\n")
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "new":
                    data = json.loads(line[6:])
                    check(data, SUMMARY_FIELDS, "new event")
                    return data
        raise RuntimeError("the event stream ended without a `new` event")


def check(obj, fields, what):
    missing = [f for f in fields if f not in obj]
    if missing:
        raise RuntimeError(f"{what} lacks Mailpit fields {missing}: {obj}")


def main(argv):
    base = argv[1]
    args = argv[2:]
    user = password = None
    if args and args[0] == "--user":
        user, password, args = args[1], args[3], args[4:]
    client = Client(base, user, password)
    command, rest = args[0], args[1:]
    if command == "list":
        result = client.messages(*(int(a) for a in rest))
    elif command == "search":
        result = client.search(rest[0])
    elif command == "message":
        result = client.message(rest[0])
    elif command == "raw":
        result = client.raw(rest[0])
    elif command == "part":
        result = client.part(rest[0], rest[1], rest[2])
    elif command == "delete":
        result = client.delete(rest)
    elif command == "info":
        result = client.json("GET", "/api/v1/info")
    elif command == "status":
        result = client.status(rest[0])
    elif command == "wait-new":
        result = client.wait_new(int(rest[0]))
    else:
        raise SystemExit("unknown command " + command)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv)
