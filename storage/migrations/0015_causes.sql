-- Causes of hardship (致贫致困原因) chosen from a list, beside the free text in `causes`:
-- comma-separated codes (bot.domain.causes.Cause), in the list's order.
ALTER TABLE households ADD COLUMN cause_codes TEXT NOT NULL DEFAULT '';
