using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Store;

namespace MailAdmin.Protocols.Imap;

/// <summary>
/// LIST with LIST-EXTENDED (RFC 5258), LIST-STATUS (RFC 5819) and SPECIAL-USE (RFC 6154), and LSUB (RFC 3501 §6.3.9).
/// </summary>
public sealed partial class ImapSession
{
    /// <summary>What a LIST command asks for, parsed before anything is written (a BAD must come alone).</summary>
    private sealed class ListRequest
    {
        public bool Extended;
        public bool SelectSubscribed, SelectSpecialUse, RecursiveMatch;
        public bool ReturnSubscribed;
        public IReadOnlyList<string>? StatusItems;
        public string Reference = "";
        public readonly List<string> Patterns = new();
    }

    private async Task<ImapResponse> ListAsync(string tag, IReadOnlyList<ImapToken> args, bool lsub, CancellationToken ct)
    {
        var verb = lsub ? "LSUB" : "LIST";
        var request = ParseList(args, lsub, out var error);
        if (request == null) return Bad(tag, error!);
        if (!request.Extended && request.Patterns.Count == 1 && request.Patterns[0].Length == 0)
        {
            // RFC 3501 §6.3.8: the empty pattern asks for the delimiter and the root.
            WriteLine("* " + verb + " (\\Noselect) \".\" \"\"");
            return await CompleteAsync(tag, verb + " completed", Notify.All, ct).ConfigureAwait(false);
        }
        var view = await MailboxViewAsync(ct).ConfigureAwait(false);
        var patterns = request.Patterns.Select(p => request.Reference + p).ToList();
        bool Matches(string name) => patterns.Any(p => ImapListPattern.IsMatch(p, name, MailboxNames.Delimiter)
            || (name == MailboxNames.Inbox && ImapListPattern.IsMatch(p, name, MailboxNames.Delimiter, ignoreCase: true)));
        if (request.StatusItems != null)
        {
            // LIST-STATUS answers as STATUS does: another process's changes to a listed mailbox count too.
            foreach (var name in view.Existing.Keys.Where(Matches).ToList())
                await SynchronizeFolderAsync(name, ct).ConfigureAwait(false);
        }
        if (lsub) WriteLsub(view, Matches, ct);
        else WriteList(request, view, Matches, ct);
        return await CompleteAsync(tag, verb + " completed", Notify.All, ct).ConfigureAwait(false);
    }

    /// <summary>The account's mailboxes: those that exist (with their special use), their parents, and the subscriptions.</summary>
    private sealed class MailboxView
    {
        public readonly Dictionary<string, string?> Existing = new(StringComparer.Ordinal);
        /// <summary>Existing mailboxes and the parents their names imply (which need not exist).</summary>
        public readonly SortedSet<string> Hierarchy = new(StringComparer.Ordinal);
        public HashSet<string> Subscribed = new(StringComparer.Ordinal);

        public bool HasChildren(string name, Func<string, bool>? which = null)
        {
            var prefix = name + MailboxNames.Delimiter;
            foreach (var n in Hierarchy.GetViewBetween(prefix, prefix + char.MaxValue))
                if (which == null || which(n)) return true;
            return false;
        }
    }

    private async Task<MailboxView> MailboxViewAsync(CancellationToken ct)
    {
        var view = new MailboxView();
        foreach (var f in await _store.GetFoldersAsync(_account!, ct).ConfigureAwait(false)) view.Existing[f.Name] = f.SpecialUse;
        if (!view.Existing.ContainsKey(MailboxNames.Inbox)) view.Existing[MailboxNames.Inbox] = null;
        foreach (var n in view.Existing.Keys) AddWithParents(view.Hierarchy, n);
        view.Subscribed = new HashSet<string>(SubscribedNames(), StringComparer.Ordinal);
        return view;
    }

    private static void AddWithParents(ISet<string> set, string name)
    {
        set.Add(name);
        for (int dot = name.LastIndexOf(MailboxNames.Delimiter); dot > 0; dot = name.LastIndexOf(MailboxNames.Delimiter, dot - 1))
            set.Add(name.Substring(0, dot));
    }

    private static IEnumerable<string> InboxFirst(IEnumerable<string> names)
        => names.OrderBy(n => n == MailboxNames.Inbox ? 0 : 1).ThenBy(n => n, StringComparer.Ordinal);

    /// <summary>
    /// LSUB: the subscribed names that match; and (RFC 3501 §6.3.9) an unsubscribed parent that matches a "%"
    /// where a subscribed child below it does not, as \Noselect. A subscribed name that no longer exists is \Noselect too
    /// (\NonExistent in IMAP4rev2).
    /// </summary>
    private void WriteLsub(MailboxView view, Func<string, bool> matches, CancellationToken ct)
    {
        var lines = new SortedDictionary<string, bool>(StringComparer.Ordinal);   // name → selectable
        foreach (var s in view.Subscribed)
        {
            if (matches(s)) { lines[s] = view.Existing.ContainsKey(s); continue; }
            for (int dot = s.LastIndexOf(MailboxNames.Delimiter); dot > 0; dot = s.LastIndexOf(MailboxNames.Delimiter, dot - 1))
            {
                var parent = s.Substring(0, dot);
                if (!view.Subscribed.Contains(parent) && matches(parent)) lines[parent] = false;
            }
        }
        foreach (var name in InboxFirst(lines.Keys))
        {
            ct.ThrowIfCancellationRequested();
            // IMAP4rev2 (RFC 9051 §7.3.1): a subscription whose mailbox is gone is \NonExistent; an implied parent stays \Noselect.
            var missing = _imap4rev2 && !view.Hierarchy.Contains(name) ? "\\NonExistent" : "\\Noselect";
            WriteLine("* LSUB (" + (lines[name] ? "" : missing) + ") \".\" " + WireName(name));
        }
    }

    private void WriteList(ListRequest request, MailboxView view, Func<string, bool> matches, CancellationToken ct)
    {
        // The selection criterion (RFC 5258 §3): without one, every mailbox of the hierarchy.
        Func<string, bool> selected =
            request.SelectSubscribed ? view.Subscribed.Contains
            : request.SelectSpecialUse ? n => view.Existing.TryGetValue(n, out var use) && use != null
            : view.Hierarchy.Contains;
        var candidates = new SortedSet<string>(view.Hierarchy, StringComparer.Ordinal);
        if (request.SelectSubscribed) foreach (var s in view.Subscribed) AddWithParents(candidates, s);
        bool returnSubscribed = request.ReturnSubscribed || request.SelectSubscribed;
        string childInfo = request.SelectSubscribed ? "SUBSCRIBED" : "SPECIAL-USE";
        foreach (var name in InboxFirst(candidates))
        {
            ct.ThrowIfCancellationRequested();
            if (!matches(name)) continue;
            bool meets = selected(name);
            // RECURSIVEMATCH: a parent is reported for a descendant that meets the criterion but is not itself listed.
            bool hasChildInfo = request.RecursiveMatch
                && candidates.GetViewBetween(name + MailboxNames.Delimiter, name + MailboxNames.Delimiter + char.MaxValue).Any(d => selected(d) && !matches(d));
            if (!meets && !hasChildInfo) continue;
            var attrs = new List<string>();
            bool inHierarchy = view.Hierarchy.Contains(name);
            bool exists = view.Existing.TryGetValue(name, out var specialUse);
            if (!inHierarchy) attrs.Add("\\NonExistent");
            else
            {
                if (!exists) attrs.Add("\\Noselect");
                attrs.Add(view.HasChildren(name) ? "\\HasChildren" : "\\HasNoChildren");
            }
            if (returnSubscribed && view.Subscribed.Contains(name)) attrs.Add("\\Subscribed");
            if (specialUse != null) attrs.Add(specialUse);
            var line = "* LIST (" + string.Join(" ", attrs) + ") \".\" " + WireName(name);
            if (hasChildInfo) line += " (\"CHILDINFO\" (\"" + childInfo + "\"))";
            WriteLine(line);
            if (request.StatusItems != null && exists)
            {
                // RFC 5819: STATUS right after the mailbox's LIST line; a mailbox that vanished meanwhile is left out.
                FolderStatus status;
                try { status = _store.GetFolderStatus(_account!, name); }
                catch (FolderNotFoundException) { continue; }
                WriteLine("* STATUS " + WireName(name) + " (" + StatusItems(status, request.StatusItems) + ")");
            }
        }
    }

    /// <summary>Parses LIST/LSUB arguments; null with <paramref name="error"/> when they are not valid.</summary>
    private ListRequest? ParseList(IReadOnlyList<ImapToken> args, bool lsub, out string? error)
    {
        error = null;
        var request = new ListRequest();
        int i = 0;
        if (!lsub && args.Count > 0 && args[0].Kind == ImapTokenKind.List)
        {
            request.Extended = true;
            foreach (var option in args[0].Items)
                switch (option.Text.ToUpperInvariant())
                {
                    case "SUBSCRIBED": request.SelectSubscribed = true; break;
                    case "SPECIAL-USE": request.SelectSpecialUse = true; break;
                    case "RECURSIVEMATCH": request.RecursiveMatch = true; break;
                    case "REMOTE": break;   // no remote mailboxes here
                    default: error = "Unknown LIST selection option " + option; return null;
                }
            // RFC 5258 §3: RECURSIVEMATCH needs another option that selects (REMOTE does not).
            if (request.RecursiveMatch && !request.SelectSubscribed && !request.SelectSpecialUse) { error = "RECURSIVEMATCH needs SUBSCRIBED or SPECIAL-USE"; return null; }
            i = 1;
        }
        var verb = lsub ? "LSUB" : "LIST";
        if (args.Count < i + 2 || args[i].AsAstring == null) { error = verb + " needs a reference and a pattern"; return null; }
        request.Reference = PatternFromWire(args[i].AsAstring!);
        var patterns = args[i + 1];
        if (patterns.Kind == ImapTokenKind.List && !lsub)
        {
            request.Extended = true;
            if (patterns.Items.Count == 0 || patterns.Items.Any(p => p.AsAstring == null)) { error = "Invalid pattern list"; return null; }
            request.Patterns.AddRange(patterns.Items.Select(p => PatternFromWire(p.AsAstring!)));
        }
        else if (patterns.AsAstring != null) request.Patterns.Add(PatternFromWire(patterns.AsAstring));
        else { error = verb + " needs a reference and a pattern"; return null; }
        i += 2;
        if (i < args.Count)
        {
            if (lsub || args.Count != i + 2 || !args[i].Text.Equals("RETURN", StringComparison.OrdinalIgnoreCase) || args[i].Kind != ImapTokenKind.Atom || args[i + 1].Kind != ImapTokenKind.List)
            { error = "Invalid " + verb + " arguments"; return null; }
            request.Extended = true;
            var options = args[i + 1].Items;
            for (int k = 0; k < options.Count; k++)
                switch (options[k].Text.ToUpperInvariant())
                {
                    case "SUBSCRIBED": request.ReturnSubscribed = true; break;
                    case "CHILDREN":
                    case "SPECIAL-USE":
                        break;   // both are always returned
                    case "STATUS" when options[k].Kind == ImapTokenKind.Atom && k + 1 < options.Count && options[k + 1].Kind == ImapTokenKind.List:
                        var items = options[++k].Items.Select(t => t.Text.ToUpperInvariant()).ToList();
                        var unknown = items.FirstOrDefault(t => !IsStatusItem(t));
                        if (unknown != null || items.Count == 0) { error = "Invalid STATUS item " + unknown; return null; }
                        request.StatusItems = items;
                        break;
                    default: error = "Unknown LIST return option " + options[k]; return null;
                }
        }
        return request;
    }

    /// <summary>
    /// A LIST pattern to the names it means. A pattern that is not valid modified UTF-7 cannot match a mailbox
    /// (every name is valid), so it stays as sent and simply matches nothing: LIST answers OK, as Dovecot does.
    /// Raw 8-bit text without UTF8=ACCEPT is still refused.
    /// </summary>
    private string PatternFromWire(string wire)
    {
        try { return ImapMailboxName.FromWire(wire, _utf8); }
        catch (ImapParseException ex) when (ex.ResponseCode == "CANNOT") { return "\u0000" + wire; }
    }
}
