using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Store;

namespace MailAdmin.Protocols.Imap;

/// <summary>APPEND (RFC 3501 §6.3.11) with MULTIAPPEND (RFC 3502), UIDPLUS's APPENDUID and UTF8=ACCEPT's UTF8 (...) form.</summary>
public sealed partial class ImapSession
{
    /// <summary>One message of an APPEND: its literal and what goes with it.</summary>
    private sealed class AppendPart
    {
        public AppendPart(ImapToken message, MessageFlags flags, IReadOnlyList<string> keywords, DateTimeOffset date)
        { Message = message; Flags = flags; Keywords = keywords; Date = date; }
        public readonly ImapToken Message;
        public readonly MessageFlags Flags;
        public readonly IReadOnlyList<string> Keywords;
        public readonly DateTimeOffset Date;
        public long Length => Message.Bytes?.Length ?? Message.Message!.Length;
    }

    private async Task<ImapResponse> AppendAsync(string tag, IReadOnlyList<ImapToken> args, CancellationToken ct)
    {
        if (args.Count < 2 || MailboxArg(args[0]) is not string folder) return Bad(tag, "APPEND needs a mailbox and a message");
        var parts = ParseAppend(args, out var error);
        if (parts == null) return Bad(tag, error!);
        foreach (var part in parts)
            if (_settings.AppendLimit > 0 && part.Length > _settings.AppendLimit) return No(tag, "[TOOBIG] Message too big");
        var name = MailboxNames.NormalizeFolder(folder);
        FolderStatus status;
        try { status = _store.GetFolderStatus(_account!, name); }
        catch (FolderNotFoundException) { return No(tag, "[TRYCREATE] No such mailbox"); }

        // RFC 3502 §3: all or nothing. What was stored before a failure is removed again.
        var uids = new List<uint>(parts.Count);
        try
        {
            foreach (var part in parts) uids.Add(await StoreAppendedAsync(name, status.UidValidity, part, ct).ConfigureAwait(false));
        }
        catch
        {
            if (uids.Count > 0)
            {
                try { await _store.DeleteMessagesAsync(_account!, name, uids, CancellationToken.None).ConfigureAwait(false); }
                catch (Exception ex) when (ex is not OperationCanceledException) { try { InternalError?.Invoke(ex); } catch { } }
            }
            throw;
        }
        await FlushUpdatesAsync(Notify.All, ct).ConfigureAwait(false);
        return Ok(tag, "[APPENDUID " + status.UidValidity.ToString(CultureInfo.InvariantCulture) + " " + FormatSet(uids) + "] APPEND completed");
    }

    private async Task<uint> StoreAppendedAsync(string folder, uint uidValidity, AppendPart part, CancellationToken ct)
    {
        var message = part.Message;
        // literal8 (RFC 3516) or a literal with NULs: binary parts are stored base64-encoded (read into memory, bounded by AppendLimit).
        var bytes = message.IsBinary ? BinaryAppendConverter.Convert(message.Bytes ?? message.Message!.AsContent().ToArray()) : message.Bytes;
        // A streamed message is already in the store's incoming file: this moves it into the folder.
        var stored = bytes == null
            ? await _store.DeliverAsync(_account!, folder, message.Message!, part.Flags, part.Keywords, part.Date, ct).ConfigureAwait(false)
            : await _store.AppendAsync(_account!, folder, bytes, part.Flags, part.Keywords, part.Date, ct).ConfigureAwait(false);
        // The next FETCH of its ENVELOPE (a client's usual next step) then needs no file read.
        if (bytes != null) ImapHeaderCache.Add(_store, _account!, folder, uidValidity, stored.Uid, bytes);
        else ImapHeaderCache.AddHead(_store, _account!, folder, uidValidity, stored.Uid, message.Message!.Head);
        return stored.Uid;
    }

    /// <summary>
    /// The messages after the mailbox: each [flag list] [date-time] then a literal, or with UTF8=ACCEPT enabled
    /// UTF8 (literal) (RFC 6855 §4). Null with <paramref name="error"/> when the arguments are not valid.
    /// </summary>
    private List<AppendPart>? ParseAppend(IReadOnlyList<ImapToken> args, out string? error)
    {
        error = null;
        var parts = new List<AppendPart>();
        int i = 1;
        while (i < args.Count)
        {
            var flags = MessageFlags.None;
            IReadOnlyList<string> keywords = MessageKeywords.None;
            var date = DateTimeOffset.UtcNow;
            if (args[i].Kind == ImapTokenKind.List)
            {
                (flags, keywords) = ImapFlags.ParseWithKeywords(args[i].Items);
                i++;
            }
            if (i < args.Count && args[i].Kind == ImapTokenKind.Quoted)
            {
                if (!TryParseDateTime(args[i].Text, out date)) { error = "Invalid APPEND date-time " + args[i].Text; return null; }
                i++;
            }
            ImapToken? message = null;
            if (i < args.Count && args[i].Kind == ImapTokenKind.Literal) message = args[i++];
            else if (_utf8 && i + 1 < args.Count && args[i].Kind == ImapTokenKind.Atom && args[i].Text.Equals("UTF8", StringComparison.OrdinalIgnoreCase)
                && args[i + 1].Kind == ImapTokenKind.List && args[i + 1].Items.Count == 1 && args[i + 1].Items[0].Kind == ImapTokenKind.Literal)
            {
                message = args[i + 1].Items[0];
                i += 2;
            }
            if (message == null || (message.Bytes == null && message.Message == null))
            {
                error = i < args.Count ? "Invalid APPEND argument " + args[i] : "APPEND needs the message as a literal";
                return null;
            }
            parts.Add(new AppendPart(message, flags, keywords, date));
        }
        if (parts.Count == 0) { error = "APPEND needs the message as a literal"; return null; }
        return parts;
    }

    private static readonly string[] Months = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

    /// <summary>RFC 3501 date-time: "dd-Mon-yyyy hh:mm:ss +zzzz" (day may be space-padded).</summary>
    internal static bool TryParseDateTime(string text, out DateTimeOffset value)
    {
        value = default;
        var m = Regex.Match(text, @"^ ?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$");
        if (!m.Success) return false;
        int month = Array.FindIndex(Months, x => x.Equals(m.Groups[2].Value, StringComparison.OrdinalIgnoreCase)) + 1;
        if (month == 0) return false;
        try
        {
            var offset = new TimeSpan(int.Parse(m.Groups[8].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[9].Value, CultureInfo.InvariantCulture), 0);
            if (m.Groups[7].Value == "-") offset = -offset;
            value = new DateTimeOffset(int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture), month, int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
                int.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[5].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[6].Value, CultureInfo.InvariantCulture), offset);
            return true;
        }
        catch (ArgumentException) { return false; }
    }
}
