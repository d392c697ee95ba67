using System.Linq;
using System.Management.Automation;
using MailAdmin.Hosting;

namespace MailAdmin.Commands
{
    /// <summary>Get-MailServer: the servers running in this session, with live statistics.</summary>
    [Cmdlet(VerbsCommon.Get, "MailServer")]
    [OutputType(typeof(MailServer))]
    public sealed class GetMailServerCommand : MailAdminCmdlet
    {
        [Parameter(Position = 0)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(MailServerNameCompleter))]
        [ValidateNotNullOrEmpty]
        public string[]? Name { get; set; }

        protected override void EndProcessing()
        {
            var servers = MailServerRegistry.All;
            if (Name == null)
            {
                WriteObject(servers, enumerateCollection: true);
                return;
            }
            foreach (var name in Name)
            {
                var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
                var matches = servers.Where(s => pattern.IsMatch(s.Name)).ToList();
                if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
                    WriteError(new ItemNotFoundException($"No running mail server is named '{name}'."), "MailServerNotFound", ErrorCategory.ObjectNotFound, name);
                WriteObject(matches, enumerateCollection: true);
            }
        }
    }
}
