using System;
using System.Net;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Protocols.Sasl;

/// <summary>
/// One AUTH/AUTHENTICATE exchange as the three protocols frame it (RFC 4954, RFC 3501 §6.2.2, RFC 5034): responses
/// are base64 lines, "=" is an empty initial response, "*" cancels. Each step that carries a response waits its turn at the client
/// address's <see cref="LoginPenalty"/> (see StepAsync); the outcome is recorded there.
/// </summary>
public sealed class SaslExchange
{
    private readonly SaslMechanism _mechanism;
    private readonly LoginPenalty _penalty;
    private readonly IPAddress? _client;
    private bool _started, _done, _waited;

    internal SaslExchange(SaslMechanism mechanism, LoginPenalty penalty, IPAddress? client)
    {
        _mechanism = mechanism;
        _penalty = penalty;
        _client = client;
    }

    public string Mechanism => _mechanism.Name;

    /// <summary>The first step: <paramref name="initialResponse"/> is the base64 initial response ("=" for empty), or null when the client sent none.</summary>
    public Task<SaslStep> StartAsync(string? initialResponse, CancellationToken cancellationToken)
    {
        if (_started) throw new InvalidOperationException("The exchange has started already.");
        _started = true;
        return StepAsync(initialResponse, first: true, cancellationToken);
    }

    /// <summary>A response line to the last challenge.</summary>
    public Task<SaslStep> ContinueAsync(string line, CancellationToken cancellationToken)
    {
        if (!_started || _done) throw new InvalidOperationException("No challenge is waiting for a response.");
        return StepAsync(line ?? "", first: false, cancellationToken);
    }

    private async Task<SaslStep> StepAsync(string? line, bool first, CancellationToken cancellationToken)
    {
        byte[]? response = null;
        if (line != null)
        {
            line = line.Trim();
            if (line == "*") return Finish(SaslStep.Fail(SaslFailure.Cancelled));
            if (line == "=" && first) response = new byte[0];
            else
            {
                try { response = Convert.FromBase64String(line); }
                catch (FormatException) { return Finish(SaslStep.Fail(SaslFailure.BadBase64)); }
            }
        }
        // The first prompt (no initial response) decides nothing. Every step that does passes the address's turn,
        // so its checks run one at a time; the penalty's delay is paid once per exchange.
        if (response == null) return Finish(await _mechanism.StepAsync(null, cancellationToken).ConfigureAwait(false));
        var delay = !_waited;
        _waited = true;
        using (await _penalty.EnterAsync(_client, cancellationToken, delay).ConfigureAwait(false))
            return Finish(await _mechanism.StepAsync(response, cancellationToken).ConfigureAwait(false));
    }

    private SaslStep Finish(SaslStep step)
    {
        if (step.IsChallenge) return step;
        _done = true;
        if (step.Succeeded) _penalty.Succeeded(_client);
        else if (step.Failure != SaslFailure.Cancelled && step.Failure != SaslFailure.Unavailable) _penalty.Failed(_client);
        return step;
    }
}
