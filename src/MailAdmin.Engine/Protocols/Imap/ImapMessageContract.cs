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
