using System;
using System.Collections.Generic;
using System.Linq;
using MailAdmin.Client;

namespace MailAdmin.Commands;

/// <summary>
/// The sessions Connect-*Server opened in this process. The newest open one of each
/// protocol is the default for client cmdlets given neither -Session nor -Server, so a
/// script connects once and then just runs commands.
/// </summary>
internal static class ClientSessionRegistry
{
    private static readonly object Gate = new object();
    private static readonly List<MailClientSession> Sessions = new List<MailClientSession>();

    static ClientSessionRegistry()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, __) => DisconnectAll();
    }

    public static void Add(MailClientSession session)
    {
        lock (Gate) Sessions.Add(session);
    }

    public static void Remove(MailClientSession session)
    {
        lock (Gate) Sessions.Remove(session);
    }

    /// <summary>The newest still-connected session of the type; null when there is none.</summary>
    public static TSession? Current<TSession>() where TSession : MailClientSession
    {
        lock (Gate)
        {
            Sessions.RemoveAll(s => !s.IsConnected);
            return Sessions.OfType<TSession>().LastOrDefault();
        }
    }

    public static IReadOnlyList<MailClientSession> All
    {
        get { lock (Gate) return Sessions.ToList(); }
    }

    public static void DisconnectAll()
    {
        List<MailClientSession> open;
        lock (Gate)
        {
            open = Sessions.ToList();
            Sessions.Clear();
        }
        foreach (var session in open) session.Dispose();
    }
}
