using System;
using System.Globalization;
using System.Text.RegularExpressions;

namespace MailAdmin.Protocols.Smtp.Faults;

/// <summary>Reads a rule's reply written as "&lt;code&gt; [&lt;enhanced code&gt;] &lt;text&gt;", e.g. "451 4.7.1 Try again later".</summary>
public static class SmtpFaultReply
{
    private static readonly Regex Shape = new(@"^\s*(?<code>[45][0-9][0-9])(?:\s+(?<enhanced>[45]\.[0-9]{1,3}\.[0-9]{1,3}))?(?:\s+(?<text>.*?))?\s*$", RegexOptions.CultureInvariant);

    /// <summary>The reply; an <see cref="ArgumentException"/> when the text is not one. Only 4xx and 5xx: a rule
    /// is a fault, and a made-up success would make a client believe mail was taken that was not.</summary>
    public static SmtpReply Parse(string text)
    {
        var m = Shape.Match(text ?? "");
        if (!m.Success)
            throw new ArgumentException($"'{text}' is not an SMTP failure reply: write '<4xx or 5xx> [<enhanced code>] <text>', e.g. '451 4.7.1 Try again later'.");
        int code = int.Parse(m.Groups["code"].Value, CultureInfo.InvariantCulture);
        string? enhanced = m.Groups["enhanced"].Success ? m.Groups["enhanced"].Value : null;
        if (enhanced != null && enhanced[0] != m.Groups["code"].Value[0])
            throw new ArgumentException($"'{text}': the enhanced code {enhanced} must be of the same class as {code} (RFC 3463).");
        if (text!.IndexOf('\r') >= 0 || text.IndexOf('\n') >= 0)
            throw new ArgumentException($"The reply text must be one line.");
        string line = m.Groups["text"].Success && m.Groups["text"].Value.Length > 0 ? m.Groups["text"].Value : DefaultText(code);
        return new SmtpReply(code, enhanced, line);
    }

    private static string DefaultText(int code) => code switch
    {
        421 => "Service not available, closing transmission channel",
        < 500 => "Temporary failure, try again later",
        _ => "Refused",
    };
}
