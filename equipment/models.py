# Equipment types, stock and issuance arrive with the equipment issue.
