using System;
using System.Collections.Generic;
using MailAdmin.Store;

namespace MailAdmin.Protocols.Imap;

/// <summary>One node of a parsed SEARCH program.</summary>
internal abstract class SearchKey
{
    /// <summary>Whether this key reads the message bytes (headers or text).</summary>
    public virtual bool NeedsBody => false;

    /// <summary>Whether this key reads beyond the top-level header block (BODY, TEXT).</summary>
    public virtual bool NeedsWholeMessage => false;

    /// <summary>Whether the sequence-set keys under this one name only messages 1..exists (UID keys always fit).</summary>
    public virtual bool SequenceSetsFit(uint exists) => true;

    /// <summary>Whether a MODSEQ key is among the keys (the SEARCH response then ends in "(MODSEQ n)").</summary>
    public virtual bool UsesModSeq => false;

    public abstract bool Matches(ImapMessageContext message, SearchContext context);
}

/// <summary>All keys must match (the program itself, and a parenthesised list).</summary>
internal sealed class AndKey : SearchKey
{
    private readonly SearchKey[] _keys;
    public AndKey(List<SearchKey> keys)
    {
        // Cheap keys first: flags and numbers before anything that decodes the message.
        var cheap = new List<SearchKey>(keys.Count);
        var costly = new List<SearchKey>();
        foreach (var k in keys) (k.NeedsBody ? costly : cheap).Add(k);
        cheap.AddRange(costly);
        _keys = cheap.ToArray();
    }

    public override bool NeedsBody
    {
        get
        {
            foreach (var k in _keys) if (k.NeedsBody) return true;
            return false;
        }
    }

    public override bool NeedsWholeMessage
    {
        get
        {
            foreach (var k in _keys) if (k.NeedsWholeMessage) return true;
            return false;
        }
    }

    public override bool SequenceSetsFit(uint exists)
    {
        foreach (var k in _keys) if (!k.SequenceSetsFit(exists)) return false;
        return true;
    }

    public override bool UsesModSeq
    {
        get
        {
            foreach (var k in _keys) if (k.UsesModSeq) return true;
            return false;
        }
    }

    public override bool Matches(ImapMessageContext message, SearchContext context)
    {
        foreach (var k in _keys) if (!k.Matches(message, context)) return false;
        return true;
    }
}

internal sealed class OrKey : SearchKey
{
    private readonly SearchKey _a, _b;
    public OrKey(SearchKey a, SearchKey b) { _a = a; _b = b; }
    public override bool NeedsBody => _a.NeedsBody || _b.NeedsBody;
    public override bool SequenceSetsFit(uint exists) => _a.SequenceSetsFit(exists) && _b.SequenceSetsFit(exists);
    public override bool NeedsWholeMessage => _a.NeedsWholeMessage || _b.NeedsWholeMessage;
    public override bool UsesModSeq => _a.UsesModSeq || _b.UsesModSeq;
    public override bool Matches(ImapMessageContext message, SearchContext context) =>
        _a.Matches(message, context) || _b.Matches(message, context);
}

internal sealed class NotKey : SearchKey
{
    private readonly SearchKey _key;
    public NotKey(SearchKey key) => _key = key;
    public override bool NeedsBody => _key.NeedsBody;
    public override bool SequenceSetsFit(uint exists) => _key.SequenceSetsFit(exists);
    public override bool NeedsWholeMessage => _key.NeedsWholeMessage;
    public override bool UsesModSeq => _key.UsesModSeq;
    public override bool Matches(ImapMessageContext message, SearchContext context) => !_key.Matches(message, context);
}

/// <summary>ALL (and, with <c>false</c>, a key that matches nothing).</summary>
internal sealed class ConstantKey : SearchKey
{
    private readonly bool _value;
    public ConstantKey(bool value) => _value = value;
    public override bool Matches(ImapMessageContext message, SearchContext context) => _value;
}

/// <summary>KEYWORD and UNKEYWORD: keywords compare case-insensitively (MessageKeywords).</summary>
internal sealed class KeywordKey : SearchKey
{
    private readonly string _keyword;
    private readonly bool _set;
    public KeywordKey(string keyword, bool set) { _keyword = keyword; _set = set; }

    public override bool Matches(ImapMessageContext message, SearchContext context)
    {
        bool has = false;
        foreach (var k in message.Stored.Keywords)
            if (MessageKeywords.Comparer.Equals(k, _keyword)) { has = true; break; }
        return has == _set;
    }
}

/// <summary>ANSWERED, SEEN, ... and their UN- forms; RECENT, NEW, OLD.</summary>
internal sealed class FlagKey : SearchKey
{
    private readonly MessageFlags _flag;
    private readonly bool _set;
    public FlagKey(MessageFlags flag, bool set) { _flag = flag; _set = set; }
    public override bool Matches(ImapMessageContext message, SearchContext context) =>
        ((message.Stored.Flags & _flag) != 0) == _set;
}

internal sealed class RecentKey : SearchKey
{
    private readonly bool _recent;
    public RecentKey(bool recent) => _recent = recent;
    public override bool Matches(ImapMessageContext message, SearchContext context) => message.Stored.IsRecent == _recent;
}

/// <summary>A sequence set, or UID set.</summary>
internal sealed class SetKey : SearchKey
{
    private readonly SequenceSet _set;
    private readonly bool _uid;
    public SetKey(SequenceSet set, bool uid) { _set = set; _uid = uid; }
    public override bool SequenceSetsFit(uint exists) => _uid || _set.FitsMessageCount(exists);
    public override bool Matches(ImapMessageContext message, SearchContext context) => _uid
        ? _set.Contains(message.Stored.Uid, context.MaxUid)
        : _set.Contains(message.SequenceNumber, context.MaxSequence);
}

/// <summary>'$', alone or after UID: the messages of the saved search result (RFC 5182).</summary>
internal sealed class SavedResultKey : SearchKey
{
    public override bool Matches(ImapMessageContext message, SearchContext context) => context.SavedUids.Contains(message.Stored.Uid);
}

/// <summary>LARGER / SMALLER, on RFC822.SIZE.</summary>
internal sealed class SizeKey : SearchKey
{
    private readonly long _size;
    private readonly bool _larger;
    public SizeKey(long size, bool larger) { _size = size; _larger = larger; }
    public override bool Matches(ImapMessageContext message, SearchContext context) =>
        _larger ? message.Stored.Size > _size : message.Stored.Size < _size;
}

internal enum DateComparison { Before, On, Since }

/// <summary>BEFORE/ON/SINCE (INTERNALDATE) and SENTBEFORE/SENTON/SENTSINCE (Date header), by date only.</summary>
internal sealed class DateKey : SearchKey
{
    private readonly DateTime _date;
    private readonly DateComparison _comparison;
    private readonly bool _sent;

    public DateKey(DateTime date, DateComparison comparison, bool sent)
    {
        _date = date.Date;
        _comparison = comparison;
        _sent = sent;
    }

    public override bool NeedsBody => _sent;

    public override bool Matches(ImapMessageContext message, SearchContext context)
    {
        DateTime day;
        if (_sent)
        {
            var sent = SearchText.SentDate(message);
            if (sent == null) return false;
            day = sent.Value.Date;
        }
        else day = message.Stored.InternalDate.Date;
        switch (_comparison)
        {
            case DateComparison.Before: return day < _date;
            case DateComparison.On: return day == _date;
            default: return day >= _date;
        }
    }
}

/// <summary>FROM, TO, CC, BCC, SUBJECT, HEADER name value: substring of the decoded field.</summary>
internal sealed class HeaderKey : SearchKey
{
    private readonly string _field;
    private readonly string _value;

    public HeaderKey(string field, string value) { _field = field; _value = value; }

    public override bool NeedsBody => true;

    public override bool Matches(ImapMessageContext message, SearchContext context) =>
        SearchText.HeaderContains(message, _field, _value);
}

/// <summary>BODY (text of the body) and TEXT (header and body).</summary>
internal sealed class TextKey : SearchKey
{
    private readonly string _value;
    private readonly bool _includeHeader;

    public TextKey(string value, bool includeHeader) { _value = value; _includeHeader = includeHeader; }

    public override bool NeedsBody => true;

    public override bool NeedsWholeMessage => true;

    public override bool Matches(ImapMessageContext message, SearchContext context)
    {
        if (_value.Length == 0) return true;
        if (_includeHeader && SearchText.AnyHeaderContains(message, _value)) return true;
        return SearchText.Contains(SearchText.BodyText(message), _value);
    }
}

/// <summary>MODSEQ n (RFC 7162 §3.1.5): messages whose mod-sequence is n or more.</summary>
internal sealed class ModSeqKey : SearchKey
{
    private readonly ulong _modSeq;
    public ModSeqKey(ulong modSeq) => _modSeq = modSeq;
    public override bool UsesModSeq => true;
    public override bool Matches(ImapMessageContext message, SearchContext context) => message.Stored.ModSeq >= _modSeq;
}
