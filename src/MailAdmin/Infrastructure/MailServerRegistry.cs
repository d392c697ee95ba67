using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using MailAdmin.Hosting;

namespace MailAdmin.Commands
{
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

        public static void Remove(MailServer server) => Servers.TryRemove(server.Name, out _);

        public static void StopAll()
        {
            foreach (var server in Servers.Values.ToList())
            {
                try { server.StopAsync(TimeSpan.FromSeconds(5)).GetAwaiter().GetResult(); }
                catch (Exception) { /* stopping on the way out: nothing left to report to */ }
                Remove(server);
            }
        }
    }
}
