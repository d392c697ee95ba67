using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Health;

/// <summary>The SMTP-only checks: open relay and recipients, by MAIL and RCPT and never DATA.</summary>
public sealed partial class MailServerProber
{
    /// <summary>
    /// An open relay accepts mail for outside domains from anyone. Ask to relay to a reserved
    /// domain (.invalid, RFC 2606) without logging in; the RCPT must be refused. The
    /// transaction is reset, so nothing is ever sent.
    /// </summary>
    private async Task<StepResult> RelayTestAsync(CancellationToken cancellationToken)
    {
        if (_options.Credential != null)
            return new StepResult(CheckStatus.Warning, "Skipped: the relay test is only meaningful without logging in; run it without -Credential.", true);
        var mail = await MailFromAsync(cancellationToken).ConfigureAwait(false);
        if (mail.Code / 100 != 2)
            return StepResult.Pass($"MAIL FROM refused ({mail.Code} {string.Join(" ", mail.Lines)}), so nothing can be relayed.");
        await Connection.WriteLineAsync($"RCPT TO:<{_options.RelayRecipient}>", cancellationToken).ConfigureAwait(false);
        var rcpt = await ReadSmtpReplyAsync(cancellationToken).ConfigureAwait(false);
        await ResetAsync(cancellationToken).ConfigureAwait(false);
        var text = $"{rcpt.Code} {string.Join(" ", rcpt.Lines)}";
        return rcpt.Code / 100 == 2
            ? new StepResult(CheckStatus.Fail, $"Open relay: the server accepted mail for {_options.RelayRecipient} without a login ({text}).")
            : StepResult.Pass($"Relaying to {_options.RelayRecipient} refused: {text}");
    }

    private async Task<StepResult> RecipientProbeAsync(string recipient, CancellationToken cancellationToken)
    {
        var mail = await MailFromAsync(cancellationToken).ConfigureAwait(false);
        if (mail.Code / 100 != 2)
        {
            _health.Stage = _health.Stage.Length == 0 ? "mail" : _health.Stage;
            return new StepResult(CheckStatus.Fail, $"MAIL FROM refused: {mail.Code} {string.Join(" ", mail.Lines)}");
        }
        await Connection.WriteLineAsync($"RCPT TO:<{recipient}>", cancellationToken).ConfigureAwait(false);
        var rcpt = await ReadSmtpReplyAsync(cancellationToken).ConfigureAwait(false);
        await ResetAsync(cancellationToken).ConfigureAwait(false);
        var text = $"{rcpt.Code} {string.Join(" ", rcpt.Lines)}";
        if (rcpt.Code / 100 == 2) return StepResult.Pass($"{recipient} accepted: {text}");
        return new StepResult(rcpt.Code / 100 == 4 ? CheckStatus.Warning : CheckStatus.Fail, $"{recipient} refused: {text}", true);
    }

    private async Task<(int Code, System.Collections.Generic.List<string> Lines)> MailFromAsync(CancellationToken cancellationToken)
    {
        await Connection.WriteLineAsync($"MAIL FROM:<{_options.ProbeSender}>", cancellationToken).ConfigureAwait(false);
        return await ReadSmtpReplyAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task ResetAsync(CancellationToken cancellationToken)
    {
        await Connection.WriteLineAsync("RSET", cancellationToken).ConfigureAwait(false);
        await ReadSmtpReplyAsync(cancellationToken).ConfigureAwait(false);
    }
}
