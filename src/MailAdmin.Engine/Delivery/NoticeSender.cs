using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Store;

namespace MailAdmin.Delivery;

/// <summary>Sends notices into local mailboxes or through the queue. (Skeleton: the notices branch implements it.)</summary>
internal sealed class NoticeSender : INoticeSender
{
    /// <param name="isLocalDomain">True for a domain this server delivers locally.</param>
    /// <param name="resolveLocal">The account that takes mail for a local address (postmaster, catch-all), null when none.</param>
    internal NoticeSender(IMailStore store, Func<string, bool> isLocalDomain, Func<string, string?> resolveLocal, OutboundQueue queue, IMessageTrace trace, string hostName)
    {
        Store = store; IsLocalDomain = isLocalDomain; ResolveLocal = resolveLocal; Queue = queue; Trace = trace; HostName = hostName;
    }
    internal IMailStore Store { get; }
    internal Func<string, bool> IsLocalDomain { get; }
    internal Func<string, string?> ResolveLocal { get; }
    internal OutboundQueue Queue { get; }
    internal IMessageTrace Trace { get; }
    internal string HostName { get; }
    public Task<bool> SendAsync(NoticeKind kind, QueueMessage message, IReadOnlyList<QueueRecipient> recipients, Func<Stream> openOriginal, CancellationToken cancellationToken) => throw new NotImplementedException();
}
