// THE CONTRACT between the IMAP session (helper "imap-core") and the message-side library
// (helper "imap-fetch"). The imap-fetch branch replaces these bodies; nothing here lands on
// main as it is.
using System;
using System.Collections.Generic;
using System.IO;
using MailAdmin.Store;
using MimeKit;

namespace MailAdmin.Protocols.Imap
{
    /// <summary>One message as FETCH and SEARCH see it: its sequence number, store entry and (lazily) its bytes.</summary>
    public sealed class ImapMessageContext
    {
        public ImapMessageContext(uint sequenceNumber, StoredMessage stored, Func<byte[]> loadBytes) => throw new NotImplementedException();
        public uint SequenceNumber => throw new NotImplementedException();
        public StoredMessage Stored => throw new NotImplementedException();
        /// <summary>The raw message, loaded on first use.</summary>
        public byte[] Bytes => throw new NotImplementedException();
        /// <summary>The parsed message, on first use.</summary>
        public MimeMessage Mime => throw new NotImplementedException();
    }

    /// <summary>A sequence set or UID set: "1:3,7,9:*".</summary>
    public sealed class SequenceSet
    {
        public static SequenceSet Parse(string text) => throw new NotImplementedException();
        /// <summary>Whether n is in the set, '*' meaning <paramref name="max"/>.</summary>
        public bool Contains(uint n, uint max) => throw new NotImplementedException();
        /// <summary>The numbers of the set that exist among 1..max (for UIDs: among the given UIDs).</summary>
        public IEnumerable<uint> Expand(uint max) => throw new NotImplementedException();
    }

    /// <summary>A parsed FETCH attribute list (RFC 3501 §6.4.5, with macros ALL, FAST, FULL).</summary>
    public sealed class FetchRequest
    {
        /// <summary>Parses the attributes: one token (atom/macro) or a list. UID FETCH adds UID to the response.</summary>
        public static FetchRequest Parse(IReadOnlyList<ImapToken> attributes, bool isUid) => throw new NotImplementedException();
        /// <summary>True when an attribute sets \Seen: BODY[...] without .PEEK, RFC822, RFC822.TEXT.</summary>
        public bool SetsSeen => throw new NotImplementedException();
        /// <summary>True when the message bytes are needed (anything beyond FLAGS, UID, INTERNALDATE, RFC822.SIZE).</summary>
        public bool NeedsBody => throw new NotImplementedException();
    }

    public static class FetchResponse
    {
        /// <summary>
        /// Writes "* seq FETCH (...)\r\n", literals included. <paramref name="includeFlags"/> adds
        /// FLAGS even when not asked (after an implicit \Seen). <paramref name="utf8"/>: UTF8=ACCEPT
        /// is enabled, so 8-bit header text may be sent as is.
        /// </summary>
        public static void Write(Stream output, FetchRequest request, ImapMessageContext message, bool includeFlags, bool utf8) => throw new NotImplementedException();
    }

    public sealed class SearchContext
    {
        public SearchContext(uint maxSequence, uint maxUid) { MaxSequence = maxSequence; MaxUid = maxUid; }
        public uint MaxSequence { get; }
        public uint MaxUid { get; }
    }

    /// <summary>A parsed SEARCH program (RFC 3501 §6.4.4, every key; CHARSET UTF-8/US-ASCII).</summary>
    public sealed class SearchQuery
    {
        /// <summary>Parses the arguments after SEARCH (CHARSET included); unknown charset throws with BADCHARSET.</summary>
        public static SearchQuery Parse(IReadOnlyList<ImapToken> arguments) => throw new NotImplementedException();
        /// <summary>True when the query needs the message bytes (header or text keys).</summary>
        public bool NeedsBody => throw new NotImplementedException();
        public bool Matches(ImapMessageContext message, SearchContext context) => throw new NotImplementedException();
    }

    /// <summary>IMAP flag names for the store's flags, and back.</summary>
    public static class ImapFlags
    {
        /// <summary>"(\Seen \Flagged ...)" with \Recent when the message is recent for this session.</summary>
        public static string Format(MessageFlags flags, bool recent) => throw new NotImplementedException();
        /// <summary>Parses a flag list; keywords the store cannot keep are ignored.</summary>
        public static MessageFlags Parse(IReadOnlyList<ImapToken> flags) => throw new NotImplementedException();
    }
}
