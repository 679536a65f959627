"""Writes of 业账社管, one module per sub-domain: journal (income, corrections, published statements),
expenses, seals, fees, fund, audits (三审 and accountability) and reconciliation (the bank). Every
function checks its rule (finance.rules) for the estate, runs in one transaction with the row locks
that matter, and leaves an audit record.

Import the sub-domain module: `from gongzhi.finance.services import journal`."""
