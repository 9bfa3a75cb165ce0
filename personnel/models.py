# Officers, vetting and assignments arrive with the personnel issue.
