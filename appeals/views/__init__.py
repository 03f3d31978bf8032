"""The pages of appeals, one module per audience: public, resident, staff
(shared by units and the centre), unit, centre; helpers in common."""
