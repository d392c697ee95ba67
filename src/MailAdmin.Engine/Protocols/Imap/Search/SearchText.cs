using System;
using System.IO;
using System.Text;
using MailAdmin.Protocols.Imap.Mime;
using MimeKit;
using MimeKit.Utils;

namespace MailAdmin.Protocols.Imap
{
    /// <summary>Decoded text for SEARCH: RFC 2047 header values, bodies decoded from transfer encoding and charset.</summary>
    internal static class SearchText
    {
        public static bool Contains(string? haystack, string needle) =>
            haystack != null && haystack.IndexOf(needle, StringComparison.OrdinalIgnoreCase) >= 0;

        /// <summary>Whether a field named <paramref name="field"/> exists whose decoded value contains <paramref name="value"/> ("" matches any such field).</summary>
        public static bool HeaderContains(ImapMessageContext message, string field, string value)
        {
            var headers = message.Headers;
            for (int i = 0; i < headers.Count; i++)
            {
                if (!string.Equals(headers[i].Name, field, StringComparison.OrdinalIgnoreCase)) continue;
                if (value.Length == 0) return true;
                if (Contains(Decode(headers, i), value)) return true;
            }
            return false;
        }

        public static bool AnyHeaderContains(ImapMessageContext message, string value)
        {
            var headers = message.Headers;
            for (int i = 0; i < headers.Count; i++)
            {
                if (Contains(headers[i].Name, value) || Contains(Decode(headers, i), value)) return true;
            }
            return false;
        }

        private static string Decode(RawHeaderList headers, int index)
        {
            var raw = headers.GetValueBytes(index);
            try
            {
                return Rfc2047.DecodeText(raw);
            }
            catch (Exception e) when (e is ArgumentException || e is FormatException || e is NotSupportedException)
            {
                return Encoding.UTF8.GetString(raw);
            }
        }

        /// <summary>The Date header, parsed; null when missing or invalid.</summary>
        public static DateTimeOffset? SentDate(ImapMessageContext message)
        {
            int i = message.Headers.IndexOf("Date");
            if (i < 0) return null;
            var raw = message.Headers.GetValueBytes(i);
            return DateUtils.TryParse(raw, 0, raw.Length, out var date) ? date : (DateTimeOffset?)null;
        }

        /// <summary>The text of every text part (nested messages included), decoded; computed once per message.</summary>
        public static string BodyText(ImapMessageContext message)
        {
            if (message.SearchBodyText != null) return message.SearchBodyText;
            var sb = new StringBuilder();
            try
            {
                Append(sb, message.Mime.Body, 0);
            }
            catch (Exception e) when (e is FormatException || e is ArgumentException || e is NotSupportedException || e is IOException || e is InvalidOperationException)
            {
                sb.Append(Encoding.UTF8.GetString(message.Bytes, message.Headers.End, message.Bytes.Length - message.Headers.End));
            }
            return message.SearchBodyText = sb.ToString();
        }

        private static void Append(StringBuilder sb, MimeEntity? entity, int depth)
        {
            if (entity == null || depth > RawMimeParser.MaxDepth) return;
            switch (entity)
            {
                case Multipart multipart:
                    foreach (var child in multipart) Append(sb, child, depth + 1);
                    break;
                case MessagePart messagePart:
                    var inner = messagePart.Message;
                    if (inner != null)
                    {
                        foreach (var h in inner.Headers) sb.Append(h.Field).Append(": ").Append(h.Value).Append('\n');
                        Append(sb, inner.Body, depth + 1);
                    }
                    break;
                case TextPart text:
                    sb.Append(text.Text).Append('\n');
                    break;
            }
        }
    }
}
