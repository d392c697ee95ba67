using System;
using System.Collections.Generic;
using MimeKit.Utils;

namespace MailAdmin.Protocols.Imap;

/// <summary>The SORT keys of RFC 5256 §3 and RFC 5957 (DISPLAYFROM, DISPLAYTO).</summary>
internal enum SortKey { Arrival, Cc, Date, From, Size, Subject, To, DisplayFrom, DisplayTo }

internal readonly struct SortCriterion
{
    public SortCriterion(SortKey key, bool reverse) { Key = key; Reverse = reverse; }
    public SortKey Key { get; }
    public bool Reverse { get; }
}

internal static class SortCriteria
{
    /// <summary>The parenthesised sort program: keys, each optionally after REVERSE.</summary>
    public static List<SortCriterion> Parse(ImapToken list)
    {
        if (list.Kind != ImapTokenKind.List || list.Items.Count == 0) throw new ImapParseException("SORT needs a list of sort keys");
        var result = new List<SortCriterion>();
        bool reverse = false;
        foreach (var item in list.Items)
        {
            if (item.Kind != ImapTokenKind.Atom) throw new ImapParseException("Invalid sort key " + item);
            var word = item.Text.ToUpperInvariant();
            if (word == "REVERSE")
            {
                if (reverse) throw new ImapParseException("REVERSE REVERSE");
                reverse = true;
                continue;
            }
            SortKey key = word switch
            {
                "ARRIVAL" => SortKey.Arrival,
                "CC" => SortKey.Cc,
                "DATE" => SortKey.Date,
                "FROM" => SortKey.From,
                "SIZE" => SortKey.Size,
                "SUBJECT" => SortKey.Subject,
                "TO" => SortKey.To,
                "DISPLAYFROM" => SortKey.DisplayFrom,
                "DISPLAYTO" => SortKey.DisplayTo,
                _ => throw new ImapParseException("Unknown sort key " + item.Text),
            };
            result.Add(new SortCriterion(key, reverse));
            reverse = false;
        }
        if (reverse) throw new ImapParseException("REVERSE needs a sort key after it");
        return result;
    }

    /// <summary>Orders the messages by the criteria; equal ones by sequence number (RFC 5256 §3).</summary>
    public static void Sort(List<SortItem> items, List<SortCriterion> criteria)
    {
        items.Sort((a, b) =>
        {
            foreach (var c in criteria)
            {
                int r = Compare(a, b, c.Key);
                if (r != 0) return c.Reverse ? -r : r;
            }
            return a.Seq.CompareTo(b.Seq);
        });
    }

    private static int Compare(SortItem a, SortItem b, SortKey key) => key switch
    {
        SortKey.Arrival => a.Stored.InternalDate.UtcTicks.CompareTo(b.Stored.InternalDate.UtcTicks),
        SortKey.Date => a.SentDate.UtcTicks.CompareTo(b.SentDate.UtcTicks),
        SortKey.Size => a.Stored.Size.CompareTo(b.Stored.Size),
        SortKey.Subject => BaseSubject.CompareAsciiCaseInsensitive(a.BaseSubject, b.BaseSubject),
        SortKey.From => BaseSubject.CompareAsciiCaseInsensitive(a.Mailbox("From"), b.Mailbox("From")),
        SortKey.To => BaseSubject.CompareAsciiCaseInsensitive(a.Mailbox("To"), b.Mailbox("To")),
        SortKey.Cc => BaseSubject.CompareAsciiCaseInsensitive(a.Mailbox("Cc"), b.Mailbox("Cc")),
        SortKey.DisplayFrom => string.Compare(a.Display("From"), b.Display("From"), StringComparison.OrdinalIgnoreCase),
        _ => string.Compare(a.Display("To"), b.Display("To"), StringComparison.OrdinalIgnoreCase),
    };
}

/// <summary>
/// One message as SORT and THREAD see it, its keys worked out once and only when asked for
/// (from the header cache: neither command reads a body).
/// </summary>
internal sealed class SortItem
{
    private string? _baseSubject;
    private bool _isReplyOrForward;
    private DateTimeOffset? _sentDate;
    // Worked out on first use and kept: the sort compares each message many times.
    private string? _fromMailbox, _toMailbox, _ccMailbox, _fromDisplay, _toDisplay;

    public SortItem(ImapMessageContext message, uint number)
    {
        Message = message;
        Number = number;
    }

    public ImapMessageContext Message { get; }

    public Store.StoredMessage Stored => Message.Stored;

    public uint Seq => Message.SequenceNumber;

    /// <summary>What the reply lists: the sequence number, or the UID for UID SORT / UID THREAD.</summary>
    public uint Number { get; }

    /// <summary>The Date header, or INTERNALDATE when it is missing or unreadable (RFC 5256 §2.2).</summary>
    public DateTimeOffset SentDate => _sentDate ??= SearchText.SentDate(Message) ?? Stored.InternalDate;

    public string BaseSubject
    {
        get
        {
            if (_baseSubject == null)
            {
                int i = Message.Headers.IndexOf("Subject");
                _baseSubject = i < 0 ? "" : Imap.BaseSubject.Extract(SearchText.DecodeField(Message.Headers, i), out _isReplyOrForward);
            }
            return _baseSubject;
        }
    }

    /// <summary>Whether the subject had Re:/Fwd: leaders, "(fwd)" trailers or a "[fwd: ]" wrapper.</summary>
    public bool IsReplyOrForward
    {
        get
        {
            _ = BaseSubject;
            return _isReplyOrForward;
        }
    }

    /// <summary>The local part of the field's first address (a group's name for a group), "" when none (RFC 5256 §3).</summary>
    public string Mailbox(string field) => field switch
    {
        "From" => _fromMailbox ??= MailboxOf(field),
        "To" => _toMailbox ??= MailboxOf(field),
        _ => _ccMailbox ??= MailboxOf(field),
    };

    /// <summary>
    /// RFC 5957: the first address's display name, decoded; without one its addr-spec; a group's
    /// name for a group; "" when none.
    /// </summary>
    public string Display(string field) => field == "From" ? _fromDisplay ??= DisplayOf(field) : _toDisplay ??= DisplayOf(field);

    private string MailboxOf(string field) => FirstAddress(field)?.Mailbox ?? "";

    private string DisplayOf(string field)
    {
        if (FirstAddress(field) is not EnvelopeAddress first) return "";
        if (!string.IsNullOrEmpty(first.Name)) return Rfc2047.DecodePhrase(Latin1Bytes(first.Name!));
        if (first.Mailbox == null) return "";
        if (first.Host == null || first.Host == EnvelopeAddressParser.MissingDomain) return first.Mailbox;
        return first.Mailbox + "@" + first.Host;
    }

    private EnvelopeAddress? FirstAddress(string field)
    {
        int i = Message.Headers.IndexOf(field);
        if (i < 0) return null;
        foreach (var a in EnvelopeAddressParser.Parse(Message.Headers.GetValue(i))) return a;
        return null;
    }

    private static byte[] Latin1Bytes(string s)
    {
        var bytes = new byte[s.Length];
        for (int i = 0; i < s.Length; i++) bytes[i] = (byte)s[i];
        return bytes;
    }
}
