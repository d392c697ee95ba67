using System;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Delivery;

/// <summary>Delivery through MailKit's SmtpClient to the smarthost or the MX hosts. (Skeleton: the transport branch implements it.)</summary>
internal sealed class SmtpOutboundTransport : IOutboundTransport
{
    internal SmtpOutboundTransport(DeliveryOptions options) => Options = options;
    internal DeliveryOptions Options { get; }
    public Task<IOutboundConnection> ConnectAsync(string destination, CancellationToken cancellationToken) => throw new NotImplementedException();
}
