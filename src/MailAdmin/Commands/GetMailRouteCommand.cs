using System.Management.Automation;
using MailAdmin.Messages;

namespace MailAdmin.Commands;

/// <summary>Get-MailRoute: a message's Received chain as hops in travel order.</summary>
[Cmdlet(VerbsCommon.Get, "MailRoute", DefaultParameterSetName = MessageSet)]
[OutputType(typeof(ReceivedHop))]
[OutputType(typeof(MailRouteSummary))]
public sealed class GetMailRouteCommand : MessageInputCmdlet
{
    /// <summary>One summary object per message instead of one object per hop.</summary>
    [Parameter]
    public SwitchParameter Summary { get; set; }

    protected override void ProcessMessage(MailMessage message)
    {
        var hops = MailRoute.GetHops(message);
        if (Summary)
        {
            WriteObject(MailRoute.Summarize(hops, message));
            return;
        }
        foreach (var hop in hops)
        {
            if (hop.ParseError != null)
                WriteVerbose($"Hop {hop.Hop} of '{message.Source ?? message.Subject}' is malformed: {hop.ParseError}");
            WriteObject(hop);
        }
    }
}
