using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Health;

/// <summary>The per-protocol words of the conversation: greeting, capabilities, STARTTLS, login, quit.</summary>
public sealed partial class MailServerProber
{
    private int _imapTag;

    private bool IsSmtp => MailServiceDefaults.IsSmtp(_options.Protocol);
    private bool IsImap => MailServiceDefaults.IsImap(_options.Protocol);

    private async Task<StepResult> GreetingAsync(CancellationToken cancellationToken)
    {
        if (IsSmtp)
        {
            var reply = await ReadSmtpReplyAsync(cancellationToken).ConfigureAwait(false);
            _health.Banner = string.Join(" ", reply.Lines);
            if (reply.Code == 220) return StepResult.Pass(_health.Banner);
            return new StepResult(CheckStatus.Fail, $"The server greeted with {reply.Code} {_health.Banner}");
        }
        var line = await Connection.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        _health.Banner = line;
        var ok = IsImap ? line.StartsWith("* OK", StringComparison.OrdinalIgnoreCase) || line.StartsWith("* PREAUTH", StringComparison.OrdinalIgnoreCase)
                        : line.StartsWith("+OK", StringComparison.Ordinal);
        return ok ? StepResult.Pass(line) : new StepResult(CheckStatus.Fail, $"Unexpected greeting: {line}");
    }

    private async Task<StepResult> CapabilitiesAsync(CancellationToken cancellationToken)
    {
        string[] capabilities;
        if (IsSmtp)
        {
            await Connection.WriteLineAsync("EHLO " + _options.HeloName, cancellationToken).ConfigureAwait(false);
            var reply = await ReadSmtpReplyAsync(cancellationToken).ConfigureAwait(false);
            if (reply.Code != 250) return new StepResult(CheckStatus.Fail, $"EHLO answered {reply.Code} {string.Join(" ", reply.Lines)}");
            capabilities = reply.Lines.Skip(1).ToArray();
            _health.AuthenticationMechanisms = capabilities
                .Where(c => c.StartsWith("AUTH ", StringComparison.OrdinalIgnoreCase) || c.StartsWith("AUTH=", StringComparison.OrdinalIgnoreCase))
                .SelectMany(c => c.Substring(5).Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries))
                .Select(m => m.ToUpperInvariant()).Distinct().ToArray();
        }
        else if (IsImap)
        {
            var (status, lines) = await ImapCommandAsync("CAPABILITY", cancellationToken).ConfigureAwait(false);
            if (!status.StartsWith("OK", StringComparison.OrdinalIgnoreCase)) return new StepResult(CheckStatus.Fail, $"CAPABILITY answered {status}");
            capabilities = lines.Where(l => l.StartsWith("* CAPABILITY ", StringComparison.OrdinalIgnoreCase))
                .SelectMany(l => l.Substring(13).Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries)).ToArray();
            var mechanisms = capabilities.Where(c => c.StartsWith("AUTH=", StringComparison.OrdinalIgnoreCase)).Select(c => c.Substring(5).ToUpperInvariant()).ToList();
            // LOGIN is IMAP's own plaintext login, there unless LOGINDISABLED says otherwise.
            if (!capabilities.Contains("LOGINDISABLED", StringComparer.OrdinalIgnoreCase) && !mechanisms.Contains("LOGIN")) mechanisms.Add("LOGIN");
            _health.AuthenticationMechanisms = mechanisms.ToArray();
        }
        else
        {
            await Connection.WriteLineAsync("CAPA", cancellationToken).ConfigureAwait(false);
            var first = await Connection.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (!first.StartsWith("+OK", StringComparison.Ordinal)) return new StepResult(CheckStatus.Warning, $"CAPA is not supported: {first}");
            var lines = new List<string>();
            string line;
            while ((line = await Connection.ReadLineAsync(cancellationToken).ConfigureAwait(false)) != ".") lines.Add(line);
            capabilities = lines.ToArray();
            var mechanisms = capabilities.Where(c => c.StartsWith("SASL ", StringComparison.OrdinalIgnoreCase))
                .SelectMany(c => c.Substring(5).Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries)).Select(m => m.ToUpperInvariant()).ToList();
            if (capabilities.Contains("USER", StringComparer.OrdinalIgnoreCase)) mechanisms.Add("USER");
            _health.AuthenticationMechanisms = mechanisms.ToArray();
        }
        _health.Capabilities = capabilities;
        return StepResult.Pass(string.Join(" ", capabilities));
    }

    private bool OffersStartTls() => _health.Capabilities.Any(c =>
        c.Equals("STARTTLS", StringComparison.OrdinalIgnoreCase) || c.Equals("STLS", StringComparison.OrdinalIgnoreCase));

    private async Task SendStartTlsAsync(CancellationToken cancellationToken)
    {
        if (IsSmtp)
        {
            await Connection.WriteLineAsync("STARTTLS", cancellationToken).ConfigureAwait(false);
            var reply = await ReadSmtpReplyAsync(cancellationToken).ConfigureAwait(false);
            if (reply.Code != 220) throw new ProtocolViolation($"STARTTLS answered {reply.Code} {string.Join(" ", reply.Lines)}");
        }
        else if (IsImap)
        {
            var (status, _) = await ImapCommandAsync("STARTTLS", cancellationToken).ConfigureAwait(false);
            if (!status.StartsWith("OK", StringComparison.OrdinalIgnoreCase)) throw new ProtocolViolation($"STARTTLS answered {status}");
        }
        else
        {
            await Connection.WriteLineAsync("STLS", cancellationToken).ConfigureAwait(false);
            var line = await Connection.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (!line.StartsWith("+OK", StringComparison.Ordinal)) throw new ProtocolViolation($"STLS answered {line}");
        }
    }

    private async Task<StepResult> LoginAsync(CancellationToken cancellationToken)
    {
        var user = _options.Credential!.UserName;
        var password = _options.Credential.Password;
        var plain = PlainResponse(user, password);
        Connection.AddSecret(password);
        Connection.AddSecret(plain);
        if (IsSmtp)
        {
            if (!_health.AuthenticationMechanisms.Contains("PLAIN"))
                return new StepResult(CheckStatus.Fail, "The server offers no AUTH PLAIN to log in with" + (_health.AuthenticationMechanisms.Length == 0 ? " (no AUTH at all)." : $" (only {string.Join(" ", _health.AuthenticationMechanisms)})."));
            await Connection.WriteLineAsync("AUTH PLAIN " + plain, cancellationToken).ConfigureAwait(false);
            var reply = await ReadSmtpReplyAsync(cancellationToken).ConfigureAwait(false);
            return reply.Code == 235 ? StepResult.Pass($"Logged in as {user}.") : new StepResult(CheckStatus.Fail, $"Login as {user} refused: {reply.Code} {string.Join(" ", reply.Lines)}");
        }
        if (IsImap)
        {
            string status;
            if (_health.AuthenticationMechanisms.Contains("PLAIN"))
                (status, _) = await ImapCommandAsync("AUTHENTICATE PLAIN " + plain, cancellationToken).ConfigureAwait(false);
            else
            {
                Connection.AddSecret(Quote(password));
                (status, _) = await ImapCommandAsync($"LOGIN {Quote(user)} {Quote(password)}", cancellationToken).ConfigureAwait(false);
            }
            return status.StartsWith("OK", StringComparison.OrdinalIgnoreCase) ? StepResult.Pass($"Logged in as {user}.") : new StepResult(CheckStatus.Fail, $"Login as {user} refused: {status}");
        }
        string answer;
        if (_health.AuthenticationMechanisms.Contains("PLAIN"))
        {
            await Connection.WriteLineAsync("AUTH PLAIN " + plain, cancellationToken).ConfigureAwait(false);
            answer = await Connection.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await Connection.WriteLineAsync("USER " + user, cancellationToken).ConfigureAwait(false);
            answer = await Connection.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (answer.StartsWith("+OK", StringComparison.Ordinal))
            {
                await Connection.WriteLineAsync("PASS " + password, cancellationToken).ConfigureAwait(false);
                answer = await Connection.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        return answer.StartsWith("+OK", StringComparison.Ordinal) ? StepResult.Pass($"Logged in as {user}.") : new StepResult(CheckStatus.Fail, $"Login as {user} refused: {answer}");
    }

    private async Task QuitAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (IsImap) await ImapCommandAsync("LOGOUT", cancellationToken).ConfigureAwait(false);
            else
            {
                await Connection.WriteLineAsync("QUIT", cancellationToken).ConfigureAwait(false);
                await Connection.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (!(ex is OperationCanceledException))
        {
            // Saying goodbye is a courtesy; a server that hangs up first has not failed a check.
        }
    }

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    /// <summary>Sends one tagged IMAP command; returns the tagged status text ("OK ...") and the untagged lines before it.</summary>
    private async Task<(string Status, List<string> Untagged)> ImapCommandAsync(string command, CancellationToken cancellationToken)
    {
        var tag = "M" + (++_imapTag).ToString("000");
        await Connection.WriteLineAsync(tag + " " + command, cancellationToken).ConfigureAwait(false);
        var untagged = new List<string>();
        while (true)
        {
            var line = await Connection.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line.StartsWith(tag + " ", StringComparison.Ordinal)) return (line.Substring(tag.Length + 1), untagged);
            if (line.StartsWith("+", StringComparison.Ordinal)) throw new ProtocolViolation($"Unexpected continuation after {command.Split(' ')[0]}: {line}");
            untagged.Add(line);
        }
    }

    private Task<(int Code, List<string> Lines)> ReadSmtpReplyAsync(CancellationToken cancellationToken) =>
        Connection.ReadSmtpReplyAsync(cancellationToken);
}
