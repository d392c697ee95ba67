using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using MailAdmin.Hosting;

namespace MailAdmin.Commands;

/// <summary>
/// The servers started in this process, by name. Servers stop when the module is removed
/// (ModuleInitializer.OnRemove) or the process exits.
/// </summary>
internal static class MailServerRegistry
{
    private static readonly ConcurrentDictionary<string, MailServer> Servers = new ConcurrentDictionary<string, MailServer>(StringComparer.OrdinalIgnoreCase);

    static MailServerRegistry()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, __) => StopAll();
    }

    public static IReadOnlyList<MailServer> All => Servers.Values.OrderBy(s => s.StartTime).ToList();

    public static bool TryAdd(MailServer server) => Servers.TryAdd(server.Name, server);

    public static MailServer? Find(string name) => Servers.TryGetValue(name, out var server) ? server : null;

    /// <summary>
    /// The server a command means when none is named: the only one running. Null with a reason
    /// (MailServerNotFound or MailServerAmbiguous) otherwise.
    /// </summary>
    public static MailServer? Implied(out string? errorId, out string? reason)
    {
        var running = All;
        errorId = null;
        reason = null;
        if (running.Count == 1) return running[0];
        errorId = running.Count == 0 ? "MailServerNotFound" : "MailServerAmbiguous";
        reason = running.Count == 0
            ? "No mail server is running; start one with Start-MailServer."
            : $"{running.Count} mail servers are running; name one with -Server.";
        return null;
    }

    /// <summary>Running servers whose names match any pattern (all when none is given), and the plain names that matched nothing.</summary>
    public static IReadOnlyList<MailServer> Match(IEnumerable<string>? patterns, out IReadOnlyList<string> unmatched)
    {
        var servers = All;
        var missing = new List<string>();
        unmatched = missing;
        if (patterns == null) return servers;
        var result = new List<MailServer>();
        foreach (var name in patterns)
        {
            var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
            var matches = servers.Where(s => pattern.IsMatch(s.Name)).ToList();
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
                missing.Add(name);
            result.AddRange(matches.Where(m => !result.Contains(m)));
        }
        return result;
    }

    public static void Remove(MailServer server) => Servers.TryRemove(server.Name, out _);

    public static void StopAll()
    {
        foreach (var server in Servers.Values.ToList())
        {
            try { server.Stop(TimeSpan.FromSeconds(5)); }
            catch (Exception) { /* stopping on the way out: nothing left to report to */ }
            Remove(server);
        }
    }
}
