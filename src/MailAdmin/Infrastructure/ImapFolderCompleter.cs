using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Runtime.CompilerServices;
using MailAdmin.Client;

namespace MailAdmin.Commands;

/// <summary>
/// Tab completion of IMAP folder names (-Folder, -Destination) from the session the command
/// would use: its -Session, else the newest Connect-ImapServer session. The names are cached
/// per session for a minute so completion stays quick; Get-ImapFolder and the folder
/// commands refresh the cache. A command with -Server (a connection of its own) gets none.
/// </summary>
public sealed class ImapFolderCompleter : IArgumentCompleter
{
    private static readonly TimeSpan Freshness = TimeSpan.FromMinutes(1);
    private static readonly ConditionalWeakTable<ImapClientSession, CachedNames> Cache = new ConditionalWeakTable<ImapClientSession, CachedNames>();

    private sealed class CachedNames
    {
        public CachedNames(string[] names) { Names = names; Taken = DateTime.UtcNow; }
        public string[] Names { get; }
        public DateTime Taken { get; }
    }

    /// <summary>Remembers a fresh listing of the session's folders.</summary>
    public static void Remember(ImapClientSession session, IEnumerable<string> names)
    {
        Cache.Remove(session);
        Cache.Add(session, new CachedNames(names.ToArray()));
    }

    /// <summary>Forgets the session's folders (after a create, rename or delete).</summary>
    public static void Forget(ImapClientSession session) => Cache.Remove(session);

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var session = SessionOf(fakeBoundParameters);
        if (session == null) return Enumerable.Empty<CompletionResult>();
        string[] names;
        try { names = NamesOf(session); }
        catch (Exception) { return Enumerable.Empty<CompletionResult>(); } // completion never fails loudly
        var typed = wordToComplete.Trim('\'', '"');
        var pattern = WildcardPattern.Get(typed + "*", WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant);
        return names.Where(n => pattern.IsMatch(n))
            .Select(n => new CompletionResult(Quote(n), n, CompletionResultType.ParameterValue, n));
    }

    private static ImapClientSession? SessionOf(IDictionary fakeBoundParameters)
    {
        if (fakeBoundParameters.Contains("Server")) return null;
        if (fakeBoundParameters.Contains("Session"))
        {
            var value = fakeBoundParameters["Session"];
            return (value is PSObject wrapped ? wrapped.BaseObject : value) as ImapClientSession;
        }
        return ClientSessionRegistry.Current<ImapClientSession>();
    }

    private static string[] NamesOf(ImapClientSession session)
    {
        if (Cache.TryGetValue(session, out var cached) && DateTime.UtcNow - cached.Taken < Freshness)
            return cached.Names;
        var folders = session.Use(token => ImapFolderListing.ListAsync(session, false, false, token));
        var names = folders.Where(f => f.CanHoldMessages).Select(f => f.FullName).ToArray();
        Remember(session, names);
        return names;
    }

    private static string Quote(string name) =>
        name.IndexOfAny(new[] { ' ', '\'', '"', '$', '`', '(', ')', '{', '}', ';', ',', '&', '@', '#' }) < 0 ? name : "'" + name.Replace("'", "''") + "'";
}
