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
}
