using System;
using System.Management.Automation;
using MailAdmin.Protocols.Smtp.Faults;

namespace MailAdmin.Commands;

/// <summary>Add-MailServerRule: a declarative SMTP fault (a reply, a rate limit, a delay, a dropped
/// connection) that the server's sessions meet from their next step on.</summary>
[Cmdlet(VerbsCommon.Add, "MailServerRule", DefaultParameterSetName = ReplySet)]
[OutputType(typeof(SmtpFaultRule))]
public sealed class AddMailServerRuleCommand : MailServerRuleCmdlet
{
    private const string ReplySet = "Reply", RateLimitSet = "RateLimit", DelaySet = "Delay", DisconnectSet = "Disconnect";

    [Parameter(Mandatory = true, Position = 0)]
    public SmtpFaultStage Stage { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNull]
    public string? Sender { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string? Recipient { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? ClientAddress { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string? User { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = ReplySet)]
    [Parameter(ParameterSetName = RateLimitSet)]
    [ValidateNotNullOrEmpty]
    public string? Reply { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = RateLimitSet)]
    [ValidateRange(0, int.MaxValue)]
    public int RateLimit { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = RateLimitSet)]
    public TimeSpan Window { get; set; }

    [Parameter(ParameterSetName = RateLimitSet)]
    public SmtpRateLimitScope Per { get; set; } = SmtpRateLimitScope.ClientAddress;

    [Parameter(Mandatory = true, ParameterSetName = DelaySet)]
    public TimeSpan Delay { get; set; }

    [Parameter(ParameterSetName = DelaySet)]
    public TimeSpan MaxDelay { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = DisconnectSet)]
    public SwitchParameter Disconnect { get; set; }

    [Parameter]
    [ValidateRange(0.0, 1.0)]
    public double Probability { get; set; } = 1;

    [Parameter]
    public int Seed { get; set; }

    protected override void EndProcessing()
    {
        var server = TargetServers(all: false)[0];
        var bound = MyInvocation.BoundParameters;
        var definition = new MailServerRuleDefinition
        {
            Stage = Stage,
            Name = Name,
            Sender = Sender,
            Recipient = Recipient,
            ClientAddress = ClientAddress,
            User = User,
            Reply = Reply,
            RateLimit = ParameterSetName == RateLimitSet ? RateLimit : null,
            Window = ParameterSetName == RateLimitSet ? Window : null,
            Per = bound.ContainsKey(nameof(Per)) ? Per : null,
            Delay = ParameterSetName == DelaySet ? Delay : null,
            MaxDelay = bound.ContainsKey(nameof(MaxDelay)) ? MaxDelay : null,
            Disconnect = Disconnect,
            Probability = Probability,
            Seed = bound.ContainsKey(nameof(Seed)) ? Seed : null,
        };
        SmtpFaultRule rule;
        try
        {
            rule = server.Rules.Add(definition.ToRule());
        }
        catch (ArgumentException ex)
        {
            ThrowTerminating(ex, "MailServerRuleInvalid", ErrorCategory.InvalidArgument, Stage);
            return;
        }
        WriteObject(rule);
    }
}
